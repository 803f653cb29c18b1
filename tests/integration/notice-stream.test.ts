import { randomBytes } from 'node:crypto';
import { createLogger, demoAccounts, RoomNoticeStream } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../hostile/credential-requests.js';
import { calendarChanges, counselorOnTwoNodes, cutNodesOffRedis, endingOf, NOTICE_STREAM, type TwoSessionNodes } from '../hostile/session-sockets.js';
import { login, nextEvent, sessionHeaders, type TestSocket } from '../support/test-platform.js';

/*
 * A push to a person's connections on every node (a lobby knock, an
 * admission, a calendar change) goes through a sealed Redis stream
 * (server/src/socket/room-notice-stream.ts), not pub/sub: a node that lost
 * Redis for a moment reads on from where it was, so the push is late, not
 * lost. Two real platforms on the real Redis, a real Socket.IO client.
 */

const STREAM = NOTICE_STREAM;
const [counselor] = demoAccounts;
let nodes: TwoSessionNodes;
let socket: TestSocket;
let userId: string;

const cutOffFromRedis = () => cutNodesOffRedis(nodes);

beforeAll(async () => {
  ({ nodes, socket, userId } = await counselorOnTwoNodes());
});

afterAll(async () => {
  await nodes?.close();
});

describe('notices to a person on every node', () => {
  it('reach a connection on the other node, and one on the sending node once, not again from the stream', async () => {
    const seen = calendarChanges(socket);
    const fromB = nextEvent<{ bookingId: string }>(socket, 'calendar:changed');
    nodes.b.platform.notifier.toUser(userId, 'calendar:changed', { bookingId: 'from-b', change: 'booked' });
    expect((await fromB).bookingId).toBe('from-b');
    nodes.a.platform.notifier.toUser(userId, 'calendar:changed', { bookingId: 'from-a', change: 'booked' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(seen).toEqual(['from-b', 'from-a']);
  });

  it('are kept in Redis sealed, and briefly: no name in the clear', async () => {
    const name = `Nama Rahasia ${randomBytes(4).toString('hex')}`;
    const knock = nextEvent<{ displayName: string }>(socket, 'lobby:knock');
    nodes.b.platform.notifier.toUser(userId, 'lobby:knock', { sessionId: 'a'.repeat(24), userId, displayName: name, since: new Date().toISOString() });
    expect((await knock).displayName).toBe(name);
    const entries = await nodes.a.platform.redis.xrangeBuffer(STREAM, '-', '+');
    expect(entries.length).toBeGreaterThan(0);
    for (const [id, fields] of entries) {
      const raw = Buffer.concat([id, ...fields]);
      expect(raw.includes(Buffer.from(name))).toBe(false);
      expect(raw.includes(Buffer.from(userId))).toBe(false);
      expect(fields.map(String).filter((_, i) => i % 2 === 0)).toEqual(['box']);
    }
    // Nothing older than the two minutes a notice is kept (trimmed as notices are written), and the stream itself
    // goes two minutes after the last one.
    const oldest = Number(String(entries[0]![0]).split('-')[0]);
    expect(Date.now() - oldest).toBeLessThan(121_000);
    const ttl = await nodes.a.platform.redis.pttl(STREAM);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('written while the other node is cut off from Redis reach it once it is back: late, not lost', async () => {
    const seen = calendarChanges(socket);
    for (let round = 0; round < 5; round++) {
      await cutOffFromRedis();
      nodes.b.platform.notifier.toUser(userId, 'calendar:changed', { bookingId: `while-cut-${round}`, change: 'booked' });
    }
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(5);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((round) => `while-cut-${round}`));
  });

  it('a push to one connection on the other node reaches that connection only, though cut off from Redis', async () => {
    const other = await nodes.open(nodes.a, await login(nodes.a.url, counselor.email, counselor.password));
    const seen = calendarChanges(socket);
    const notSeen = calendarChanges(other);
    await cutOffFromRedis();
    nodes.b.platform.notifier.toConnection(socket.id!, 'calendar:changed', { bookingId: 'to-one-connection', change: 'booked' });
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual(['to-one-connection']);
    nodes.a.platform.notifier.toConnection(other.id!, 'calendar:changed', { bookingId: 'sent-here', change: 'booked' });
    await expect.poll(() => notSeen, { timeout: 10_000 }).toEqual(['sent-here']);
    // Neither twice, nor to the other connection.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([seen, notSeen]).toEqual([['to-one-connection'], ['sent-here']]);
  });

  it('end a sign-in on the other node even while it is cut off from Redis: told, then its connection closed', async () => {
    const cookie = await login(nodes.a.url, counselor.email, counselor.password);
    const connection = await nodes.open(nodes.a, cookie);
    const ending = endingOf(connection);
    await cutOffFromRedis();
    expect((await postJson(nodes.b.url, '/api/auth/logout', {}, sessionHeaders(cookie))).status).toBe(200);
    expect(await ending).toEqual({ reason: 'signed_out', disconnect: 'io server disconnect' });
    // The other sign-in's connection is untouched.
    expect(socket.connected).toBe(true);
  });

  it('close at once, even while the stream is reconnecting to Redis (a read that will never settle is not waited for)', async () => {
    const { io, redis } = nodes.a.platform;
    const stream = new RoomNoticeStream(io, redis, undefined, createLogger('silent'));
    await stream.start();
    // Its reader is the newest notice reader; cut it off, and close while it reconnects.
    const readers = String(await redis.client('LIST'))
      .split('\n')
      .filter((line) => / name=care-notice-read /.test(line))
      .map((line) => Number(/\bid=(\d+)/.exec(line)?.[1]));
    await redis.client('KILL', 'ID', String(Math.max(...readers)));
    const closing = stream.close().then(() => 'closed');
    expect(await Promise.race([closing, new Promise((resolve) => setTimeout(() => resolve('still closing after 5 s'), 5000))])).toBe('closed');
  });
});
