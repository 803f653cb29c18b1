import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ControlChannel, createLogger, type MediaNode } from '@care/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { startMediaNodeHere } from '../support/media-node-here.js';
import { testAuthority, type TestAuthority } from '../support/test-certificates.js';

/*
 * TLS on the media-node control channel (issue 14, roles). The HMAC challenge proves the signal node to the media
 * node; without TLS what crosses the channel (rooms, peers, transport parameters, the SRTP keys of pipes between media
 * nodes) is readable on the wire, and a signal node would drive whatever answers at the address the registry in Redis
 * gives. With a certificate and key the media node serves wss:// only; with a CA the signal node refuses a media node
 * whose certificate does not chain to it, and a plain ws:// address. Each refused below; the honest channel works.
 */

const secret = randomBytes(32).toString('base64');
const log = createLogger('silent');
let ours: TestAuthority;
let rogue: TestAuthority;
let tlsNode: MediaNode;
let impostor: MediaNode;
let plainNode: MediaNode;
let ca: string;

beforeAll(async () => {
  ours = testAuthority('ours');
  rogue = testAuthority('rogue');
  ca = readFileSync(ours.caFile, 'utf8');
  const redis = `${inject('redisUrl').replace(/\/+$/, '')}/11`;
  const certified = (authority: TestAuthority, name: string) => {
    const { certFile, keyFile } = authority.issue(name, '127.0.0.1');
    return { MEDIA_CONTROL_TLS_CERT: certFile, MEDIA_CONTROL_TLS_KEY: keyFile };
  };
  tlsNode = await startMediaNodeHere(redis, secret, certified(ours, 'media-a'));
  impostor = await startMediaNodeHere(redis, secret, certified(rogue, 'media-x'));
  plainNode = await startMediaNodeHere(redis, secret);
}, 60_000);

afterAll(async () => {
  await Promise.all([tlsNode?.close(), impostor?.close(), plainNode?.close()]);
  ours?.remove();
  rogue?.remove();
});

const wss = (node: MediaNode) => `wss://127.0.0.1:${node.controlPort}`;
const ws = (node: MediaNode) => `ws://127.0.0.1:${node.controlPort}`;

/** What a raw client gets from an address: the first frame, or how it failed. */
function firstFrameOrFailure(url: string, options: WebSocket.ClientOptions = {}): Promise<{ frame?: unknown; failure?: string }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { handshakeTimeout: 5000, ...options });
    const done = (result: { frame?: unknown; failure?: string }) => {
      socket.terminate();
      resolve(result);
    };
    socket.once('message', (data) => done({ frame: JSON.parse(String(data)) as unknown }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ failure: error.code ?? error.message }));
    socket.once('close', () => done({ failure: 'closed' }));
  });
}

describe('TLS on the media-node control channel', () => {
  it('honest: a signal node with the CA reaches the media node over wss://, authenticates and opens a room', async () => {
    const channel = await ControlChannel.connect(wss(tlsNode), secret, randomUUID(), log, { ca });
    try {
      await channel.request({ op: 'open', roomId: 'tls-room', shape: 'pair' });
      await channel.request({ op: 'addPeer', roomId: 'tls-room', peerId: 'peer-1', held: false });
      const transport = (await channel.request({ op: 'createTransport', roomId: 'tls-room', peerId: 'peer-1', direction: 'recv' })) as { iceCandidates: unknown[] };
      expect(transport.iceCandidates.length).toBeGreaterThan(0);
      expect(tlsNode.roomCount).toBe(1);
    } finally {
      channel.close();
    }
    await expect.poll(() => tlsNode.roomCount, { timeout: 10_000 }).toBe(0);
  });

  it('a client speaking plain WebSocket to the TLS port gets no challenge, nothing at all', async () => {
    const result = await firstFrameOrFailure(ws(tlsNode));
    expect(result.frame).toBeUndefined();
    expect(result.failure).toBeDefined();
  });

  it('a signal node with the CA refuses a media node whose certificate another CA signed (an impostor at a forged address)', async () => {
    await expect(ControlChannel.connect(wss(impostor), secret, randomUUID(), log, { ca })).rejects.toThrow(/not reachable/);
    // The impostor is a working media node: without the CA check the same call gets through (the control).
    const raw = await firstFrameOrFailure(wss(impostor), { rejectUnauthorized: false });
    expect(raw.frame).toMatchObject({ type: 'challenge' });
    expect(impostor.roomCount).toBe(0);
  });

  it('a signal node with the CA refuses a plain ws:// address (a downgrade) before connecting; without the CA it connects', async () => {
    await expect(ControlChannel.connect(ws(plainNode), secret, randomUUID(), log, { ca })).rejects.toThrow(/not reachable/);
    const plain = await ControlChannel.connect(ws(plainNode), secret, randomUUID(), log);
    plain.close();
  });

  it('the TLS port refuses a client that offers no more than TLS 1.2', async () => {
    const result = await firstFrameOrFailure(wss(tlsNode), { ca, maxVersion: 'TLSv1.2' });
    expect(result.frame).toBeUndefined();
    expect(result.failure).toMatch(/ERR_SSL|EPROTO|closed|ECONNRESET/);
  });
});
