import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { controlProof } from './control-proof.js';
import { ControlServer, type SignalLink } from './control-server.js';

/**
 * The media node's control port judging a signal node's liveness, with the
 * limits shortened (looked at every 200 ms, cut off after 1 s of silence).
 * The signal node here is a plain WebSocket in this process that does not
 * answer WebSocket pings (`autoPong: false`), so only what it sends counts.
 */
const liveness = { everyMs: 200, silenceMs: 1000 };
const secret = 's'.repeat(32);
let server: ControlServer | undefined;
let signal: WebSocket | undefined;
const closedLinks: SignalLink[] = [];

afterEach(async () => {
  signal?.terminate();
  await server?.close();
  server = undefined;
  signal = undefined;
  closedLinks.length = 0;
});

async function connected(): Promise<WebSocket> {
  server = await ControlServer.start({
    host: '127.0.0.1',
    port: 0,
    secret,
    nodeId: randomUUID(),
    log: pino({ level: 'silent' }),
    liveness,
    handler: { handle: async (_link, request) => ({ type: 'reply', id: request.id, ok: true, result: {} }), linkClosed: (link) => closedLinks.push(link) },
  });
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}`, { autoPong: false });
  const [challenge] = (await once(socket, 'message')) as [Buffer];
  const { nonce } = JSON.parse(String(challenge)) as { nonce: string };
  socket.send(JSON.stringify({ type: 'hello', signalId: randomUUID(), proof: controlProof(secret, nonce) }));
  await once(socket, 'message');
  signal = socket;
  return socket;
}

const closed = (socket: WebSocket) => new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let requestId = 0;
const ping = (socket: WebSocket) => socket.send(JSON.stringify({ type: 'request', id: (requestId += 1), call: { op: 'ping' } }));

describe('ControlServer liveness', () => {
  it('cuts off a signal node from which nothing comes, and its peers leave', async () => {
    const socket = await connected();
    const from = Date.now();
    const at = await closed(socket);
    expect(at - from).toBeGreaterThanOrEqual(liveness.silenceMs);
    await expect.poll(() => closedLinks.length).toBe(1);
  });

  it('keeps a signal node that sends requests though it answers no WebSocket ping', async () => {
    const socket = await connected();
    let open = true;
    socket.once('close', () => (open = false));
    for (let i = 0; i < 12; i += 1) {
      ping(socket);
      await sleep(250);
    }
    expect(open).toBe(true);
    expect(closedLinks).toEqual([]);
  });

  it("does not count its own hold-up as the signal node's silence", async () => {
    const socket = await connected();
    let open = true;
    socket.once('close', () => (open = false));
    ping(socket);
    await sleep(100);
    // This process is held up past the silence limit (as on a starved CPU); the node spoke just before and nothing since.
    const until = Date.now() + liveness.silenceMs * 2;
    while (Date.now() < until) {
      /* held up */
    }
    const resumed = Date.now();
    await sleep(liveness.everyMs * 2);
    expect(open).toBe(true);
    // The silence counts from when this process could listen again.
    const at = await closed(socket);
    expect(at - resumed).toBeGreaterThanOrEqual(liveness.silenceMs - liveness.everyMs);
  });
});
