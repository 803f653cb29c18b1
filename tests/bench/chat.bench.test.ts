import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createAccounts, createCircle, circlesClient, type TestAccount } from '../integration/circles/circles-client.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { startTestPlatform } from '../support/test-platform.js';
import { percentile } from './join-timing.js';

/*
 * bench:chat — chat relay latency, in one run on this machine:
 *  (a) ours, one node: a support circle's room with its facilitator and 19
 *      members (the largest room the product lets in: one seat per person,
 *      20 members at most), each a signed-in Node socket.io-client
 *      connection that knocked, was admitted and joined; the rest of the
 *      BENCH_CHAT_SOCKETS (1,000) signed-in connections, spread over those
 *      20 accounts, stay connected and idle. RATE (10) `mls:message`s a
 *      second, round robin over the room's members, opaque bytes of a chat
 *      line's size at the room's epoch: the full path (schema, request
 *      budget, epoch check in Redis, fan-out to each peer through the Redis
 *      adapter), from the send to each other member's arrival;
 *  (b) ours, two nodes: the same with two server processes on the Redis
 *      adapter, the idle connections split between them (a room's peers are
 *      on one node: the live room is kept in the node's memory);
 *  (c) the floor: a minimal Socket.IO server of its own (chat-raw/), the
 *      same number of connections, the same 20 in one room, the same
 *      messages at the same rate.
 * Each message's latency is measured in this process (one clock), per
 * receiver. Connection limits are raised for the run through config only
 * (SOCKETS_PER_USER); the defaults are untouched. No timed assertions; every
 * message must arrive at every other member.
 * Goals (issue 14): p99 ≤ 1.25 × raw p99; two nodes ≤ 1.1 × one.
 */

const SOCKETS = Number(process.env.BENCH_CHAT_SOCKETS ?? 1000);
const SECONDS = Number(process.env.BENCH_CHAT_SECONDS ?? 30);
const RATE = 10;
const PEOPLE = 20;
/** An MLS application message carrying a short chat line is about this size. */
const MESSAGE_BYTES = 300;
const CONNECT_BATCH = 50;
const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dbName = `care_bench_chat_${randomBytes(4).toString('hex')}`;

let facilitator: TestAccount;
let members: TestAccount[];
let meetingId: string;
/** Processes still running: stopped by their run, or by afterAll if the run failed. */
const running = new Set<{ stop(): Promise<void> }>();

interface Ack<T = unknown> {
  ok: boolean;
  data?: T;
  error?: { code: string; message: string };
}

beforeAll(async () => {
  // Accounts and the circle are made on the run's database by an in-process node, closed before any measurement.
  const setup = await startTestPlatform({ MONGODB_DB: dbName, LOG_LEVEL: 'warn' });
  try {
    [facilitator] = (await createAccounts(setup, 'counselor', 1, 'chat-bench-facilitator')) as [TestAccount];
    members = await createAccounts(setup, 'asn', PEOPLE - 1, 'chat-bench-member');
    const startsAt = new Date(Math.ceil((Date.now() + 120_000) / 60_000) * 60_000).toISOString();
    const circle = await createCircle(setup.url, facilitator, { capacity: PEOPLE - 1, firstStartsAt: startsAt });
    for (const member of members) expect((await circlesClient(setup.url, member).post(`/${circle.id}/enrol`)).status).toBe(200);
    const meeting = await setup.platform.db.connection.collection('circle_meetings').findOne({}, { sort: { _id: -1 } });
    meetingId = String(meeting?._id);
  } finally {
    await setup.close();
  }
}, 300_000);

afterAll(async () => {
  for (const left of running) await left.stop();
  const connection = await mongoose.createConnection(inject('mongodbUri'), { dbName }).asPromise();
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
}, 300_000);

function open(url: string, cookie?: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], extraHeaders: cookie ? { cookie } : {}, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

function ask<T = unknown>(socket: Socket, event: string, payload?: unknown): Promise<Ack<T>> {
  return payload === undefined
    ? (socket.timeout(30_000).emitWithAck(event) as Promise<Ack<T>>)
    : (socket.timeout(30_000).emitWithAck(event, payload) as Promise<Ack<T>>);
}

/** Opens `count` connections, CONNECT_BATCH at a time; `target(i)` gives each one's server and cookie. */
async function openMany(count: number, target: (i: number) => { url: string; cookie?: string }): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let from = 0; from < count; from += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, count - from) }, (_, k) => {
      const { url, cookie } = target(from + k);
      return open(url, cookie);
    });
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * RATE messages a second for SECONDS, round robin over the room's sockets;
 * each message's latency to every other room socket. `send` resolves with the ack.
 */
async function measure(room: Socket[], event: string, send: (socket: Socket, message: Uint8Array) => Promise<Ack>, bytesOf: (payload: unknown) => Uint8Array) {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const refused: string[] = [];
  const listeners = room.map((socket) => {
    const listener = (payload: unknown) => {
      const bytes = bytesOf(payload);
      const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
      const started = sentAt.get(id);
      if (started !== undefined) latencies.push(performance.now() - started);
    };
    socket.on(event, listener);
    return listener;
  });
  const total = RATE * SECONDS;
  const acks: Array<Promise<void>> = [];
  const begin = performance.now();
  for (let i = 0; i < total; i += 1) {
    const message = new Uint8Array(randomBytes(MESSAGE_BYTES));
    new DataView(message.buffer).setUint32(0, i);
    sentAt.set(i, performance.now());
    acks.push(
      send(room[i % room.length]!, message).then((ack) => {
        if (!ack.ok) refused.push(ack.error?.code ?? 'unknown');
      }),
    );
    const next = begin + ((i + 1) * 1000) / RATE;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(acks);
  // Stragglers: every message is expected at every other member.
  const expected = total * (room.length - 1);
  for (let waited = 0; latencies.length < expected && waited < 30_000; waited += 200) await sleep(200);
  room.forEach((socket, i) => socket.off(event, listeners[i]));
  return { latencies, refused, expected };
}

function closeAll(sockets: Socket[]): void {
  for (const socket of sockets) socket.close();
}

async function startRawServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [path.join(repoDir, 'tests/bench/chat-raw/raw-chat-server.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the raw Socket.IO server did not start')), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /RAW_CHAT_READY (\S+)/.exec(chunk.toString());
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const handle = {
    stop: () =>
      new Promise<void>((resolve) => {
        running.delete(handle);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
  running.add(handle);
  return { url, stop: handle.stop };
}

/** The floor: the same connections and room on a bare Socket.IO server. */
async function rawRun() {
  const raw = await startRawServer();
  const room = await openMany(PEOPLE, () => ({ url: raw.url }));
  for (const socket of room) expect((await ask(socket, 'join')).ok).toBe(true);
  const idle = await openMany(SOCKETS - PEOPLE, () => ({ url: raw.url }));
  try {
    return await measure(
      room,
      'chat',
      (socket, message) => ask(socket, 'chat', message),
      (payload) => new Uint8Array(payload as ArrayBuffer),
    );
  } finally {
    closeAll([...room, ...idle]);
    await raw.stop();
  }
}

/** Ours on `nodeCount` server processes on the run's Redis and database. */
async function ourRun(nodeCount: number) {
  const nodes: ServerProcess[] = [];
  for (let i = 0; i < nodeCount; i += 1) {
    const node = await startServerProcess({ MONGODB_DB: dbName, SEED_DEMO: 'false', LOG_LEVEL: 'warn', SOCKETS_PER_USER: String(Math.ceil(SOCKETS / PEOPLE) + 2) });
    nodes.push(node);
    running.add(node);
  }
  const home = nodes[0]!.url;
  const people = [facilitator, ...members];
  const host = await open(home, facilitator.cookie);
  const opened = await ask<{ mls: { epoch: number | null } }>(host, 'room:join', { sessionId: meetingId, sending: { audio: false, video: false } });
  expect(opened.ok, opened.error?.message).toBe(true);
  const others = await openMany(members.length, (i) => ({ url: home, cookie: members[i]!.cookie }));
  for (const socket of others) expect((await ask(socket, 'lobby:knock', { sessionId: meetingId })).ok).toBe(true);
  expect((await ask(host, 'lobby:admit-all', { sessionId: meetingId })).ok).toBe(true);
  for (const socket of others) {
    const joined = await ask(socket, 'room:join', { sessionId: meetingId, sending: { audio: false, video: false } });
    expect(joined.ok, joined.error?.message).toBe(true);
  }
  const room = [host, ...others];
  const idle = await openMany(SOCKETS - PEOPLE, (i) => ({ url: nodes[i % nodes.length]!.url, cookie: people[i % people.length]!.cookie }));
  // Nobody commits here, so the room's group stays at the epoch the facilitator's join began.
  const epoch = opened.data?.mls.epoch ?? 0;
  try {
    return await measure(
      room,
      'mls:message',
      (socket, message) => ask(socket, 'mls:message', { epoch, message }),
      (payload) => new Uint8Array((payload as { message: ArrayBuffer }).message),
    );
  } finally {
    closeAll([...room, ...idle]);
    for (const node of nodes) {
      running.delete(node);
      await node.stop();
    }
  }
}

const fixed = (value: number) => value.toFixed(1);

it('chat benchmark', { timeout: 3_600_000 }, async ({ task }) => {
  const raw = await rawRun();
  const one = await ourRun(1);
  const two = await ourRun(2);
  for (const run of [raw, one, two]) {
    expect(run.refused).toEqual([]);
    expect(run.latencies).toHaveLength(run.expected);
  }
  const p = (run: typeof raw, q: number) => percentile(run.latencies, q);
  const line = (name: string, run: typeof raw) => `${name}: p50_ms=${fixed(p(run, 50))} p99_ms=${fixed(p(run, 99))} deliveries=${run.latencies.length}`;
  (task.meta as { summary?: string[] }).summary = [
    `${SOCKETS} signed-in sockets, a room of ${PEOPLE}, ${RATE} messages/s for ${SECONDS} s, ${MESSAGE_BYTES} bytes each`,
    line('(a) ours, one node', one),
    line('(b) ours, two nodes', two),
    line('(c) raw Socket.IO, one node', raw),
    `chat: p99_ms=${fixed(p(one, 99))} raw_p99_ms=${fixed(p(raw, 99))} ratio=${(p(one, 99) / p(raw, 99)).toFixed(2)} two_node_ratio=${(p(two, 99) / p(one, 99)).toFixed(2)}`,
  ];
});
