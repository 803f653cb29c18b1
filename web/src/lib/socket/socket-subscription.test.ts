import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientToServerEvents, LobbyEntry, ServerToClientEvents } from '@care/shared';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppSocket } from './socket-client.js';
import { ApiError } from '../api/api-error.js';
import { request } from './socket-client.js';
import { subscribe } from './socket-subscription.js';

// A real Socket.IO server and client on a loopback port: the helper is tested against the library it wraps.
type TestServer = Server<ClientToServerEvents, ServerToClientEvents>;

const opened: Array<{ server: TestServer; client: AppSocket }> = [];

async function connected(): Promise<{ server: TestServer; client: AppSocket; serverSide: () => Promise<ServerSocket> }> {
  const http = createServer();
  const server: TestServer = new Server(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  let arrived: Promise<ServerSocket> = new Promise((resolve) => server.once('connection', resolve));
  const client: AppSocket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], autoConnect: false, reconnectionDelay: 50, reconnectionDelayMax: 50 });
  opened.push({ server, client });
  return {
    server,
    client,
    // The newest server-side socket (a reconnection makes a new one).
    serverSide: () => {
      const current = arrived;
      arrived = new Promise((resolve) => server.once('connection', resolve));
      return current;
    },
  };
}

const until = (check: () => boolean, what: string) =>
  new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > 10_000) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });

afterEach(async () => {
  for (const { server, client } of opened.splice(0)) {
    client.disconnect();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('subscribe', () => {
  it('listens to several pushed events with one call, payloads typed by the shared protocol, and one cleanup stops them all', async () => {
    const { client, serverSide } = await connected();
    const knocks: LobbyEntry[] = [];
    const left: string[] = [];
    let connects = 0;
    const stop = subscribe(client, {
      connect: () => connects++,
      'lobby:knock': (entry) => knocks.push(entry),
      'room:peer-left': ({ peerId, reason }) => left.push(`${peerId}:${reason}`),
    });
    const serverSocketArrives = serverSide();
    client.connect();
    const server = await serverSocketArrives;
    await until(() => connects === 1, 'connect');

    const entry = { sessionId: 's1', userId: 'u1', displayName: 'Melati', since: new Date(0).toISOString() };
    server.emit('lobby:knock', entry);
    server.emit('room:peer-left', { peerId: 'p1', reason: 'left' });
    await until(() => knocks.length === 1 && left.length === 1, 'both events');
    expect(knocks).toEqual([entry]);
    expect(left).toEqual(['p1:left']);

    // A second subscription, left on, shows when what the server sent after the cleanup has arrived.
    const marks: string[] = [];
    const stopMarks = subscribe(client, { 'room:peer-left': ({ peerId }) => marks.push(peerId) });
    stop();
    stop();
    server.emit('lobby:knock', entry);
    server.emit('room:peer-left', { peerId: 'p2', reason: 'removed' });
    await until(() => marks.includes('p2'), 'the events sent after the cleanup');
    stopMarks();
    expect(knocks).toHaveLength(1);
    expect(left).toEqual(['p1:left']);
  });

  it('hears the connection come back (reconnect) and lose it (disconnect), until cleaned up', async () => {
    const { client, serverSide } = await connected();
    const seen: string[] = [];
    const stop = subscribe(client, {
      disconnect: (reason) => seen.push(`disconnect:${reason}`),
      reconnect: () => seen.push('reconnect'),
    });
    const first = serverSide();
    client.connect();
    await first;
    await until(() => client.connected, 'the first connection');
    expect(seen).toEqual([]);

    const second = serverSide();
    client.io.engine.close();
    await second;
    await until(() => seen.includes('reconnect'), 'the reconnection');
    expect(seen).toEqual([expect.stringMatching(/^disconnect:/), 'reconnect']);

    stop();
    const third = serverSide();
    client.io.engine.close();
    await third;
    await until(() => client.connected, 'the second reconnection');
    expect(seen).toHaveLength(2);
  });

  it('drops a push whose payload does not match its schema before any handler sees it, and answers a malformed request invalid_payload', async () => {
    const { client, serverSide } = await connected();
    const left: string[] = [];
    const consumed: unknown[] = [];
    let connects = 0;
    subscribe(client, {
      connect: () => connects++,
      'room:peer-left': ({ peerId, reason }) => left.push(`${peerId}:${reason}`),
      'room:consume': (message, answer) => {
        consumed.push(message);
        answer({ ok: true, data: {} });
      },
    });
    const serverSocketArrives = serverSide();
    client.connect();
    const server = await serverSocketArrives;
    await until(() => connects === 1, 'connect');
    const warn = console.warn;
    const warned: unknown[] = [];
    console.warn = (...args: unknown[]) => warned.push(args.join(' '));
    try {
      // A modified or broken server: wrong types, a reason outside the protocol, nothing at all.
      for (const bad of [{ peerId: 5, reason: 'left' }, { peerId: 'p1', reason: 'vanished' }, null, 'p1']) server.emit('room:peer-left', bad as never);
      const answer = await server.timeout(5000).emitWithAck('room:consume', { consumerId: 42 } as never);
      expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
      server.emit('room:peer-left', { peerId: 'p2', reason: 'removed' });
      await until(() => left.length === 1, 'the well-formed push');
    } finally {
      console.warn = warn;
    }
    expect(left).toEqual(['p2:removed']);
    expect(consumed).toEqual([]);
    // What is said names the event only, never the payload the server sent.
    expect(warned).toHaveLength(5);
    expect(warned.join(' ')).not.toContain('vanished');
  });
});

describe('request', () => {
  it('believes an answer only as the protocol says it is: malformed data or a malformed refusal is invalid_payload', async () => {
    const { client, serverSide } = await connected();
    const serverSocketArrives = serverSide();
    client.connect();
    const server = await serverSocketArrives;
    const answers: unknown[] = [
      { ok: true, data: { accepted: true, epoch: 3 } },
      { ok: true, data: { accepted: 'yes', epoch: 3 } },
      { ok: false, error: { code: 'stale_epoch', message: 'moved on' } },
      { ok: false, error: { code: 'made_up', message: 'x' } },
      'nonsense',
    ];
    server.on('mls:commit' as never, ((_payload: unknown, ack: (answer: unknown) => void) => ack(answers.shift())) as never);
    const commit = () => request(client, 'mls:commit', { commit: new Uint8Array([1]) });
    const warn = console.warn;
    const warned: unknown[] = [];
    console.warn = (...args: unknown[]) => warned.push(args.join(' '));
    try {
      expect(await commit()).toEqual({ accepted: true, epoch: 3 });
      await expect(commit()).rejects.toMatchObject({ code: 'invalid_payload' });
      await expect(commit()).rejects.toMatchObject({ code: 'stale_epoch', message: 'moved on' });
      await expect(commit()).rejects.toMatchObject({ code: 'invalid_payload' });
      const last = await commit().catch((error: unknown) => error);
      expect(last).toBeInstanceOf(ApiError);
      expect(last).toMatchObject({ code: 'invalid_payload' });
    } finally {
      console.warn = warn;
    }
    expect(warned).toEqual(['dropped a malformed server answer: mls:commit', 'dropped a malformed server answer: mls:commit', 'dropped a malformed server answer: mls:commit']);
  });
});
