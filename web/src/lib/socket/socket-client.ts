import type {
  Ack,
  ClientRequestName,
  ClientToServerEvents,
  RequestPayload,
  ResponseData,
  ServerToClientEvents,
} from '@care/shared';
import { io, type Socket } from 'socket.io-client';
import { ApiError } from '../api/api-error.js';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const REQUEST_TIMEOUT_MS = 10_000;

/** One Socket.IO connection to the server, authenticated by the session cookie. */
export function connectSocket(): AppSocket {
  return io({ path: '/socket.io', transports: ['websocket', 'polling'], withCredentials: true });
}

/** Sends a request and resolves with its data, or rejects with the server's typed error. */
export async function request<E extends ClientRequestName>(
  socket: AppSocket,
  event: E,
  payload: RequestPayload<E>,
): Promise<ResponseData<E>> {
  let response: Ack<ResponseData<E>>;
  try {
    // Socket.IO's typed emitWithAck cannot follow the mapped event type; the signature above carries the types.
    const timed = socket.timeout(REQUEST_TIMEOUT_MS) as unknown as {
      emitWithAck(e: E, p: RequestPayload<E>): Promise<Ack<ResponseData<E>>>;
    };
    response = await timed.emitWithAck(event, payload);
  } catch {
    throw new ApiError('network', `${event}: no answer from the server`);
  }
  if (!response.ok) throw ApiError.from(response.error);
  return response.data;
}
