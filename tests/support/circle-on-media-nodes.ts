import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { RemoteRoomMedia } from '../../server/src/media-nodes/remote-room-media.js';
import type { ChromiumOptions } from './browser.js';
import { startCircleMeeting, type CircleMeeting } from './circle-meeting.js';
import { MediaNodeProcess } from './media-node-process.js';
import type { TestPlatform } from './test-platform.js';

/** A room's media on media nodes, as the signal node in this process holds it. */
export function remoteRoomOf(t: TestPlatform, roomId: string): RemoteRoomMedia {
  const media = t.platform.mediaRooms.get(roomId);
  // The platform's class is the built server's, not this file's import of the source: known by its shape.
  if (!media || !('sides' in media)) throw new Error('the room has no media on media nodes');
  return media as RemoteRoomMedia;
}

/** A circle meeting on a signal node (this process) driving two media node processes joined by a private pipe link. */
export interface CircleOnMediaNodes {
  c: CircleMeeting;
  nodes: MediaNodeProcess[];
  /** The meeting's room media now. */
  room(): RemoteRoomMedia;
  close(): Promise<void>;
}

/**
 * Starts two media nodes (`MediaNodeProcess.startPair`, each in its own
 * network namespace: root only) on a Redis database of the test's own (the
 * media-node registry is global to a database), then a circle meeting whose
 * signal node drives them, with no home recorded for its room yet.
 */
export async function startCircleOnMediaNodes(
  redisDb: number,
  { nodeEnv = {}, signalEnv = {}, chromium = {} }: { nodeEnv?: Record<string, string>; signalEnv?: Record<string, string>; chromium?: ChromiumOptions } = {},
): Promise<CircleOnMediaNodes> {
  const secret = randomBytes(32).toString('base64');
  const redisUrl = `${inject('redisUrl').replace(/\/+$/, '')}/${redisDb}`;
  const nodes = await MediaNodeProcess.startPair(redisUrl, { MEDIA_CONTROL_SECRET: secret, ...nodeEnv });
  try {
    const c = await startCircleMeeting({ CARE_ROLE: 'signal', MEDIA_CONTROL_SECRET: secret, REDIS_URL: redisUrl, ...signalEnv }, chromium);
    await c.h.t.platform.redis.del(`media:home:${c.roomId}`);
    return {
      c,
      nodes,
      room: () => remoteRoomOf(c.h.t, c.roomId),
      close: async () => {
        await Promise.all([c.h.close(), ...nodes.map((node) => node.stop())]);
      },
    };
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
}
