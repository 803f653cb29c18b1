import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutNodesOffRedis, TwoSessionNodes } from '../hostile/session-sockets.js';
import { ask, follow, presenceBecomes, presenceCast, type PresenceCast, type PresenceUpdate } from '../support/presence-scene.js';
import type { TestSocket } from '../support/test-platform.js';

/*
 * "In a session" to followers on another node. The counselor's connection
 * is on node A, the people waiting for them on node B. The update goes
 * through the sealed notice stream (server/src/socket/room-notice-stream.ts),
 * not pub/sub: no node asks the others for their sockets, nothing of it is
 * published, and a node cut off from Redis for a moment hears it late rather
 * than never. The client of the session itself is told apart: the counselor
 * is online to them, never "in a session".
 */

let nodes: TwoSessionNodes;
let cast: PresenceCast;
let tap: Redis;
/** Everything published on the run's Redis while this file runs, raw (pub/sub is not per database). */
const published: Buffer[] = [];

beforeAll(async () => {
  nodes = await TwoSessionNodes.start();
  cast = await presenceCast(nodes.a);
  tap = nodes.a.platform.redis.duplicate();
  tap.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => published.push(message));
  await tap.psubscribe('*');
});

afterAll(async () => {
  tap?.disconnect();
  await nodes?.close();
});

/** Every presence update the socket gets about `userId` from now on, by status. */
function updatesOf(socket: TestSocket, userId: string): string[] {
  const seen: string[] = [];
  (socket as unknown as { on(e: string, h: (u: PresenceUpdate) => void): void }).on('presence:update', (update) => {
    if (update.userId === userId) seen.push(update.status);
  });
  return seen;
}

const onPubSub = (text: string) => published.filter((message) => message.includes(Buffer.from(text))).length;

describe("a counselor's presence to followers on another node", () => {
  it('is "in a session" to the next client there and online to the client of that session, with nothing on pub/sub', async () => {
    const counselor = await nodes.open(nodes.a, cast.cookies.counselor);
    const client = await nodes.open(nodes.b, cast.cookies.client);
    const laterClient = await nodes.open(nodes.b, cast.cookies.laterClient);
    expect((await follow(client, cast.ids.counselor))?.status).toBe('online');
    expect((await follow(laterClient, cast.ids.counselor))?.status).toBe('online');
    const toClient = updatesOf(client, cast.ids.counselor);
    const toLater = updatesOf(laterClient, cast.ids.counselor);
    const publishedBefore = published.length;

    const busy = presenceBecomes(laterClient, cast.ids.counselor, 'in_session');
    const stillOnline = presenceBecomes(client, cast.ids.counselor, 'online');
    expect(((await ask(counselor, 'room:join', { sessionId: cast.appointmentId })) as { ok: boolean }).ok).toBe(true);
    expect(await busy).toEqual({ userId: cast.ids.counselor, online: true, status: 'in_session' });
    // The client of the session is told too, their own way: online.
    expect((await stillOnline).online).toBe(true);
    expect(toClient).not.toContain('in_session');

    const free = presenceBecomes(laterClient, cast.ids.counselor, 'online');
    expect(((await ask(counselor, 'room:leave', {})) as { ok: boolean }).ok).toBe(true);
    await free;
    expect(toClient).not.toContain('in_session');
    // The next client heard only their own view: busy, then free; not the session's client's "online" in between.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(toLater).toEqual(['in_session', 'online']);
    // Neither update, nor a request for node B's sockets, went over pub/sub.
    expect(onPubSub('presence:update')).toBe(0);
    expect(published.length - publishedBefore).toBe(0);
    counselor.close();
  });

  it('reaches the other node though it was cut off from Redis as the counselor went in: late, not lost', async () => {
    const counselor = await nodes.open(nodes.a, cast.cookies.counselor);
    const laterClient = await nodes.open(nodes.b, cast.cookies.laterClient);
    expect((await follow(laterClient, cast.ids.counselor))?.status).toBe('online');
    const busy = presenceBecomes(laterClient, cast.ids.counselor, 'in_session');
    await cutNodesOffRedis(nodes);
    expect(((await ask(counselor, 'room:join', { sessionId: cast.meetingId })) as { ok: boolean }).ok).toBe(true);
    expect((await busy).status).toBe('in_session');
    const free = presenceBecomes(laterClient, cast.ids.counselor, 'online');
    await cutNodesOffRedis(nodes);
    expect(((await ask(counselor, 'room:leave', {})) as { ok: boolean }).ok).toBe(true);
    expect((await free).status).toBe('online');
    counselor.close();
  });
});
