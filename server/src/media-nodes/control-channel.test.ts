import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlChannel, SILENCE_LIMIT_MS } from './control-channel.js';

/**
 * A media node's control end in a thread of its own (its own event loop, so
 * it keeps answering while this one is held up): a real WebSocket server
 * that sends the challenge, welcomes any hello, answers each request 300 ms
 * later (a busy node) until told to go quiet, and says when a ping comes in.
 * The proof is the media node's business, tested with it.
 */
const FAKE_NODE = `
const { parentPort } = require('node:worker_threads');
const { WebSocketServer } = require('ws');
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
let quiet = false;
parentPort.on('message', (m) => { if (m === 'quiet') quiet = true; });
server.on('connection', (socket) => {
  socket.send(JSON.stringify({ type: 'challenge', nonce: 'n'.repeat(43) }));
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.type === 'hello') socket.send(JSON.stringify({ type: 'welcome', nodeId: '${randomUUID()}' }));
    else if (frame.type === 'request' && !quiet) {
      parentPort.postMessage('ping');
      setTimeout(() => socket.send(JSON.stringify({ type: 'reply', id: frame.id, ok: true, result: {} })), 300);
    }
  });
});
server.on('listening', () => parentPort.postMessage(server.address().port));
`;

let node: Worker | undefined;
let channel: ControlChannel | undefined;
/** Called when the node next receives a ping. */
let pinged: (() => void) | undefined;

afterEach(async () => {
  channel?.close();
  await node?.terminate();
});

async function connect(): Promise<{ channel: ControlChannel; node: Worker }> {
  node = new Worker(FAKE_NODE, { eval: true });
  const [port] = (await once(node, 'message')) as [number];
  node.on('message', (message) => {
    if (message === 'ping') pinged?.();
  });
  channel = await ControlChannel.connect(`ws://127.0.0.1:${port}`, 'secret', randomUUID(), pino({ level: 'silent' }));
  return { channel, node };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ControlChannel liveness', () => {
  it('loses a media node that goes silent', { timeout: 15_000 }, async () => {
    const { channel, node } = await connect();
    await pause(1200);
    expect(channel.lost).toBe(false);
    node.postMessage('quiet');
    await once(channel, 'lost');
    expect(channel.lost).toBe(true);
  });

  it('does not lose a node that answered while this process was held up (its own stall is not the node\'s silence)', { timeout: 15_000 }, async () => {
    const { channel } = await connect();
    await pause(1200);
    // Held up just as a ping went out, its answer still to come.
    await new Promise<void>((resolve) => (pinged = resolve));
    pinged = undefined;
    // The event loop held up well past the silence limit, as on a loaded machine; the node answers meanwhile.
    const until = Date.now() + SILENCE_LIMIT_MS + 1500;
    while (Date.now() < until) {
      /* busy */
    }
    await pause(1500);
    expect(channel.lost).toBe(false);
  });
});
