import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, type TestSocket } from '../support/test-platform.js';
import { calendarChanges, counselorOnTwoNodes, NOTICE_STREAM, type TwoSessionNodes } from './session-sockets.js';

/*
 * Someone who can write to Redis (a compromised Redis, a replica's
 * operator) and tries the notice stream between nodes
 * (server/src/socket/room-notice-stream.ts): forged entries, entries in the
 * clear naming a person's room, an altered honest entry, an honest entry
 * written again (a replay of a knock, or of a deactivation's disconnect),
 * and a flood of garbage. Only what opens under the deployment's key is
 * delivered, each notice once, and the readers go on. Two real platforms on the real Redis, a real Socket.IO client.
 */

const STREAM = NOTICE_STREAM;
let nodes: TwoSessionNodes;
let socket: TestSocket;
let userId: string;

/** An honest notice from node B, and the moment it arrived on node A's connection. */
async function honest(bookingId: string): Promise<void> {
  const arrived = nextEvent<{ bookingId: string }>(socket, 'calendar:changed', 10_000);
  nodes.b.platform.notifier.toUser(userId, 'calendar:changed', { bookingId, change: 'booked' });
  expect((await arrived).bookingId).toBe(bookingId);
}

/** The fields of the newest entry of the stream. */
async function newestFields(): Promise<string[]> {
  const newest = (await nodes.a.platform.redis.xrevrange(STREAM, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
  const fields = newest[0]?.[1];
  if (!fields) throw new Error('the stream is empty');
  return fields;
}

beforeAll(async () => {
  ({ nodes, socket, userId } = await counselorOnTwoNodes());
});

afterAll(async () => {
  await nodes?.close();
});

describe('a writer to Redis and the notice stream between nodes', () => {
  it('cannot deliver a forged, altered or clear entry: each is skipped, and the next honest one arrives', async () => {
    const seen = calendarChanges(socket);
    const redis = nodes.a.platform.redis;
    await redis.xadd(STREAM, '*', 'box', 'not base64 at all');
    await redis.xadd(STREAM, '*', 'box', randomBytes(96).toString('base64'));
    await redis.xadd(STREAM, '*', 'node', 'x', 'rooms', `user:${userId}`, 'event', 'calendar:changed', 'payload', '{"bookingId":"forged"}');
    // An honest entry with one bit flipped.
    await honest('honest-1');
    const fields = await newestFields();
    const box = Buffer.from(fields[1]!, 'base64');
    box[box.length - 20]! ^= 1;
    await redis.xadd(STREAM, '*', 'box', box.toString('base64'));
    await honest('honest-2');
    expect(seen).toEqual(['honest-1', 'honest-2']);
  });

  it('cannot replay an honest entry: written again, it is not delivered again', async () => {
    const seen = calendarChanges(socket);
    const redis = nodes.a.platform.redis;
    await honest('replayed');
    const fields = await newestFields();
    await redis.xadd(STREAM, '*', ...fields);
    await redis.xadd(STREAM, '*', ...fields);
    await honest('after-replay');
    expect(seen).toEqual(['replayed', 'after-replay']);
  });

  it('does not stop the readers with a flood of garbage: the honest notice after 5000 forged entries arrives', async () => {
    const seen = calendarChanges(socket);
    const redis = nodes.a.platform.redis;
    const pipeline = redis.pipeline();
    for (let i = 0; i < 5000; i++) pipeline.xadd(STREAM, '*', 'box', randomBytes(64).toString('base64'));
    await pipeline.exec();
    await honest('after-flood');
    expect(seen).toEqual(['after-flood']);
  });
});
