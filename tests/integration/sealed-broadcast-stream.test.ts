import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwoSessionNodes } from '../hostile/session-sockets.js';
import { login, nextEvent, type TestSocket } from '../support/test-platform.js';
import { demoAccounts } from '@care/server';

/*
 * Broadcasts between nodes travel through a Redis stream that keeps them for
 * a while (so a node reads on after a failover), each entry sealed with the
 * deployment's node key (server/src/socket/sealed-stream-client.ts). What
 * must hold: a broadcast on one node reaches a connection on the other; the
 * stream holds nothing of it in the clear; an entry written by anyone
 * without the key (a forged or altered one) is skipped, and the nodes go on.
 */
const STREAM = 'care:socket.io';
let nodes: TwoSessionNodes;
let socket: TestSocket;
let userId: string;

beforeAll(async () => {
  nodes = await TwoSessionNodes.start();
  const [counselor] = demoAccounts;
  const cookie = await login(nodes.a.url, counselor.email, counselor.password);
  socket = await nodes.open(nodes.a, cookie);
  const me = (await (await fetch(`${nodes.a.url}/api/auth/me`, { headers: { cookie } })).json()) as { data: { id: string } };
  userId = me.data.id;
}, 120_000);

afterAll(async () => {
  await nodes?.close();
});

/** Every field of every entry in the stream, as Redis keeps them. */
async function streamContents(): Promise<string> {
  const entries = (await nodes.a.platform.redis.xrange(STREAM, '-', '+')) as Array<[string, string[]]>;
  return entries.map(([, fields]) => fields.join(' ')).join('\n');
}

describe('the sealed broadcast stream between nodes', () => {
  it('carries a broadcast from node B to a connection on node A, keeping only ciphertext in Redis', async () => {
    const canary = `kanari-${Math.random().toString(36).slice(2)}`;
    const arrived = nextEvent<{ bookingId: string }>(socket, 'calendar:changed');
    nodes.b.platform.io.to(`user:${userId}`).emit('calendar:changed', { bookingId: canary, change: 'booked' });
    expect((await arrived).bookingId).toBe(canary);
    const stored = await streamContents();
    expect(stored).toContain('sealed');
    expect(stored).not.toContain(canary);
    expect(stored).not.toContain(userId);
  });

  it('skips an entry that was not sealed with the node key (forged, or altered) and goes on', async () => {
    const redis = nodes.a.platform.redis;
    const forged = `palsu-${Math.random().toString(36).slice(2)}`;
    const received: string[] = [];
    socket.on('calendar:changed', ({ bookingId }: { bookingId: string }) => received.push(bookingId));
    // What the adapter would write in the clear, and a box under another key.
    await redis.xadd(STREAM, '*', 'nsp', '/', 'uid', 'x', 'type', '3', 'data', JSON.stringify({ packet: { type: 2, data: ['calendar:changed', { bookingId: forged }], nsp: '/' }, opts: { rooms: [`user:${userId}`], except: [] } }));
    await redis.xadd(STREAM, '*', 'nsp', '/', 'sealed', Buffer.alloc(64, 7).toString('base64'));
    await redis.xadd(STREAM, '*', 'nsp', '/', 'sealed', 'not base64 at all ✗');
    // A real broadcast after them still arrives, and nothing forged did.
    const after = `sesudah-${Math.random().toString(36).slice(2)}`;
    const arrived = nextEvent<{ bookingId: string }>(socket, 'calendar:changed', 10_000);
    nodes.b.platform.io.to(`user:${userId}`).emit('calendar:changed', { bookingId: after, change: 'booked' });
    expect((await arrived).bookingId === after || received.includes(after)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received).not.toContain(forged);
  });
});
