import { randomBytes, randomUUID } from 'node:crypto';
import { CONTROL_CLOSE, controlProof, type MediaNode } from '@care/server';
import { MEDIA_CONTROL_MAX_FRAME_BYTES } from '@care/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { startMediaNodeHere } from '../support/media-node-here.js';

/*
 * The control channel of a media node (issue 14, roles) is what a signal
 * node drives rooms' media through; on it, a stranger could open rooms, add
 * peers and read transports. A connection must answer a fresh challenge with
 * the HMAC of the shared secret before anything it sends is looked at.
 * Refused here, each changing nothing and crashing nothing: no answer at all,
 * a wrong HMAC, an answer captured from another connection (replayed), a
 * request before the answer, and after a good answer malformed, off-schema
 * and oversized frames. The honest signal node's use goes through.
 */

const secret = randomBytes(32).toString('base64');
let node: MediaNode;
let url: string;

beforeAll(async () => {
  node = await startMediaNodeHere(`${inject('redisUrl').replace(/\/+$/, '')}/6`, secret);
  url = `ws://127.0.0.1:${node.controlPort}`;
});

afterAll(async () => {
  await node?.close();
});

/** A raw connection to the control port: its frames as they come, and how it closed. */
async function dial(): Promise<{ socket: WebSocket; frames: Array<Record<string, unknown>>; nonce: string; closed: Promise<number> }> {
  const socket = new WebSocket(url, { maxPayload: 4 * MEDIA_CONTROL_MAX_FRAME_BYTES });
  const frames: Array<Record<string, unknown>> = [];
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const first = new Promise<Record<string, unknown>>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  const challenge = await first;
  expect(challenge.type).toBe('challenge');
  return { socket, frames, nonce: String(challenge.nonce), closed };
}

/** Sends one request on an authenticated connection and waits for its reply (a signal node waits for each, as RemoteRoomMedia does). */
async function call(connection: { socket: WebSocket; frames: Array<Record<string, unknown>> }, id: number, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  connection.socket.send(JSON.stringify({ type: 'request', id, call: request }));
  await expect.poll(() => connection.frames.find((f) => f.type === 'reply' && f.id === id), { timeout: 20_000 }).toBeDefined();
  return connection.frames.find((f) => f.type === 'reply' && f.id === id) as Record<string, unknown>;
}

const hello = (proof: string) => JSON.stringify({ type: 'hello', signalId: randomUUID(), proof });
const openRoom = (id: number) => JSON.stringify({ type: 'request', id, call: { op: 'open', roomId: `hostile-${id}`, shape: 'group' } });

/** An honest signal node: answers its own challenge, then asks `frame` and waits for the reply with `id`. */
async function honest(id: number, frame: string): Promise<Record<string, unknown>> {
  const { socket, frames, nonce } = await dial();
  socket.send(hello(controlProof(secret, nonce)));
  await expect.poll(() => frames.some((f) => f.type === 'welcome')).toBe(true);
  socket.send(frame);
  await expect.poll(() => frames.find((f) => f.type === 'reply' && f.id === id), { timeout: 20_000 }).toBeDefined();
  socket.close();
  return frames.find((f) => f.type === 'reply' && f.id === id) as Record<string, unknown>;
}

describe('the media node control channel', () => {
  it('honest: a signal node answering its challenge opens a room and gets a transport with candidates', async () => {
    const connection = await dial();
    const { socket, frames, nonce } = connection;
    socket.send(hello(controlProof(secret, nonce)));
    await expect.poll(() => frames.some((f) => f.type === 'welcome')).toBe(true);
    expect(await call(connection, 1, { op: 'open', roomId: 'honest-room', shape: 'pair' })).toMatchObject({ ok: true });
    expect(await call(connection, 2, { op: 'addPeer', roomId: 'honest-room', peerId: 'peer-1', held: false })).toMatchObject({ ok: true });
    const transport = (await call(connection, 3, { op: 'createTransport', roomId: 'honest-room', peerId: 'peer-1', direction: 'recv' })) as { ok: boolean; result: { iceCandidates: unknown[] } };
    expect(transport.ok).toBe(true);
    expect(transport.result.iceCandidates.length).toBeGreaterThan(0);
    expect(node.roomCount).toBe(1);
    socket.close();
    // The signal node gone, its peers leave and the emptied room closes.
    await expect.poll(() => node.roomCount, { timeout: 10_000 }).toBe(0);
  });

  it('no answer to the challenge: closed after a few seconds, nothing it sent looked at', { timeout: 20_000 }, async () => {
    const { closed } = await dial();
    expect(await closed).toBe(CONTROL_CLOSE.unauthenticated);
    expect(node.roomCount).toBe(0);
  });

  it('a request before the answer is refused and opens nothing', async () => {
    const { socket, frames, closed } = await dial();
    socket.send(openRoom(10));
    expect(await closed).toBe(CONTROL_CLOSE.unauthenticated);
    expect(frames.filter((f) => f.type !== 'challenge')).toEqual([]);
    expect(node.roomCount).toBe(0);
  });

  it('a wrong HMAC (another secret) is refused', async () => {
    const { socket, frames, nonce, closed } = await dial();
    socket.send(hello(controlProof(randomBytes(32).toString('base64'), nonce)));
    socket.send(openRoom(11));
    expect(await closed).toBe(CONTROL_CLOSE.unauthenticated);
    expect(frames.filter((f) => f.type !== 'challenge')).toEqual([]);
    expect(node.roomCount).toBe(0);
  });

  it('an answer captured from another connection (a replay) is refused', async () => {
    const seen = await dial();
    const captured = hello(controlProof(secret, seen.nonce));
    seen.socket.send(captured);
    await expect.poll(() => seen.frames.some((f) => f.type === 'welcome')).toBe(true);
    seen.socket.close();
    const replaying = await dial();
    expect(replaying.nonce).not.toBe(seen.nonce);
    replaying.socket.send(captured);
    replaying.socket.send(openRoom(12));
    expect(await replaying.closed).toBe(CONTROL_CLOSE.unauthenticated);
    expect(replaying.frames.filter((f) => f.type !== 'challenge')).toEqual([]);
    expect(node.roomCount).toBe(0);
  });

  it('an answer of the wrong length or form is refused (no exception on the constant-time compare)', async () => {
    for (const proof of ['', 'AAAA', 'x'.repeat(43), controlProof(secret, 'other').slice(0, 42)]) {
      const { socket, closed } = await dial();
      socket.send(hello(proof));
      expect(await closed).toBe(CONTROL_CLOSE.unauthenticated);
    }
    expect(node.roomCount).toBe(0);
  });

  it('after a good answer: not JSON, off-schema, a second hello and binary frames close the connection, and change nothing', async () => {
    for (const bad of ['not json', JSON.stringify({ type: 'request', id: 1, call: { op: 'open', roomId: 'x', shape: 'crowd' } }), JSON.stringify({ type: 'request', id: 1, call: { op: 'rm -rf' } }), hello('A'.repeat(43)), Buffer.from([1, 2, 3])]) {
      const { socket, frames, nonce, closed } = await dial();
      socket.send(hello(controlProof(secret, nonce)));
      await expect.poll(() => frames.some((f) => f.type === 'welcome')).toBe(true);
      socket.send(bad);
      expect(await closed).toBe(CONTROL_CLOSE.malformed);
    }
    expect(node.roomCount).toBe(0);
  });

  it('an oversized frame closes the connection before it is read (before and after the answer)', async () => {
    const huge = JSON.stringify({ type: 'request', id: 1, call: { op: 'open', roomId: 'x'.repeat(MEDIA_CONTROL_MAX_FRAME_BYTES), shape: 'pair' } });
    const before = await dial();
    before.socket.send(huge);
    expect(await before.closed).toBe(1009);
    const after = await dial();
    after.socket.send(hello(controlProof(secret, after.nonce)));
    await expect.poll(() => after.frames.some((f) => f.type === 'welcome')).toBe(true);
    after.socket.send(huge);
    expect(await after.closed).toBe(1009);
    expect(node.roomCount).toBe(0);
  });

  it('a peer another signal node added is not found from this one', async () => {
    const connection = await dial();
    const { socket, frames, nonce } = connection;
    socket.send(hello(controlProof(secret, nonce)));
    await expect.poll(() => frames.some((f) => f.type === 'welcome')).toBe(true);
    expect(await call(connection, 1, { op: 'open', roomId: 'shared-room', shape: 'group' })).toMatchObject({ ok: true });
    expect(await call(connection, 2, { op: 'addPeer', roomId: 'shared-room', peerId: 'owned', held: false })).toMatchObject({ ok: true });
    const reply = await honest(5, JSON.stringify({ type: 'request', id: 5, call: { op: 'createTransport', roomId: 'shared-room', peerId: 'owned', direction: 'send' } }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'not_found' } });
    socket.close();
    await expect.poll(() => node.roomCount, { timeout: 10_000 }).toBe(0);
  });

  it('the node is still up and serving after all of it', async () => {
    expect(await honest(7, JSON.stringify({ type: 'request', id: 7, call: { op: 'ping' } }))).toMatchObject({ ok: true });
  });
});
