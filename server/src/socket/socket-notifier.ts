import { ErrorCode, serverRequests } from '@care/shared';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { LocalFanOut, Notifier } from '../notifier.js';
import type { RoomNoticeStream } from './room-notice-stream.js';
import { userRoom } from './session-sockets.js';
import type { AppServer } from './types.js';

/** How long a client has to answer a request of the server (the web client gives the server as long). */
export const SERVER_REQUEST_TIMEOUT_MS = 10_000;

/** A client's answer: an ack like the server's own, whose data is checked against the request's response schema. */
function answerTo(data: z.ZodType): z.ZodType<{ ok: true; data: unknown } | { ok: false; error: { code: ErrorCode; message: string } }> {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: z.object({ code: ErrorCode, message: z.string().max(500) }) }),
  ]) as never;
}

/**
 * The `Notifier` through Socket.IO rooms: a connection's own room (kept off
 * Redis when the connection is here, through the sealed notice stream,
 * room-notice-stream.ts, when it is elsewhere), or every connection of a
 * person on any node (the notice stream too); and the local fan-out,
 * one broadcast over this node's connections that the adapter keeps off
 * Redis (`io.local`).
 */
export function socketNotifier(io: AppServer, notices: Pick<RoomNoticeStream, 'emit'>): Notifier & LocalFanOut {
  return {
    toConnection: (connectionId, event, payload) => {
      // A connection of this node (every peer of a room this node serves is one) is reached without publishing the
      // push on Redis, where every other node would read and drop it and a reader of pub/sub would see who got
      // what when (MLS commits, Welcomes, KeyPackages, the roster). One elsewhere (or gone) is reached through the
      // sealed notice stream, which a Redis failover delays rather than loses; pub/sub would drop it.
      if (!io.sockets.sockets.has(connectionId)) return notices.emit(connectionId, event, payload);
      // The Notifier's signature ties each event to its payload; Socket.IO's emit cannot follow a generic event name.
      (io.local.to(connectionId).emit as (e: string, p: unknown) => boolean)(event, payload);
    },
    toLocalConnections: (connectionIds, event, payload) => {
      if (connectionIds.length === 0) return;
      // One packet encoded once for all of them (Socket.IO's broadcast), where one emit each would encode and publish it again per connection.
      (io.local.to(connectionIds as string[]).emit as (e: string, p: unknown) => boolean)(event, payload);
    },
    // Through the notice stream: a knock or an admission to another node must survive a Redis failover.
    toUser: (userId, event, payload) => notices.emit(userRoom(userId), event, payload),
    ask: async (connectionId, event, payload) => {
      const socket = io.sockets.sockets.get(connectionId);
      if (!socket) throw new AppError('not_in_room', 'That connection is not on this node.');
      let raw: unknown;
      try {
        // Typed by the Notifier's signature; Socket.IO's emitWithAck cannot follow a generic event name.
        raw = await (socket.timeout(SERVER_REQUEST_TIMEOUT_MS) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck(event, payload);
      } catch {
        throw new AppError('unavailable', `${event}: the client did not answer in time`);
      }
      const answer = answerTo(serverRequests[event].response).safeParse(raw);
      if (!answer.success) throw new AppError('invalid_payload', `${event}: the client's answer is malformed`);
      if (!answer.data.ok) throw new AppError(answer.data.error.code, `${event}: the client could not: ${answer.data.error.message}`);
      return answer.data.data as never;
    },
  };
}
