import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { SessionStore } from '@care/server';
import type { Role } from '@care/shared';
import { Redis } from 'ioredis';
import mongoose, { Types } from 'mongoose';
import { inject } from 'vitest';
import { ProtocolPeer } from '../support/protocol-peer.js';
import { startServerProcess } from '../support/server-process.js';
import { connect, nextEvent, type TestSocket } from '../support/test-platform.js';

/*
 * The server's resident memory, as `npm start` runs it (the built server in
 * its own process, so nothing of the test runner or the clients is counted):
 * with 100 signed-in idle users connected, then with 10 live 1:1 sessions
 * besides (each a counselor and a client, real socket.io clients with real
 * session cookies doing what the web app does: both transports, microphone
 * and camera producers, consumers, the MLS group; tests/support/protocol-peer.ts).
 * No packet flows (no browser): what a session holds, not what its media costs
 * to forward. The mediasoup worker is a process of its own, measured beside.
 */

export interface ServerMemory {
  /** Node's resident set, MB, with the idle users connected. */
  idleMb: number;
  /** … and with the sessions besides. */
  liveMb: number;
  /** (live − idle) / sessions, MB. */
  perSessionMb: number;
  workerIdleMb: number;
  workerLiveMb: number;
  workerPerSessionMb: number;
  idleUsers: number;
  sessions: number;
}

const SETTLE_MS = 3000;

function residentMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** The processes whose parent is `pid` (the mediasoup worker is the server's child). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

export async function measureServerMemory(idleUsers = 100, sessions = 10): Promise<ServerMemory> {
  const dbName = `care_test_${randomBytes(4).toString('hex')}`;
  const server = await startServerProcess({ MONGODB_DB: dbName, LOG_LEVEL: 'warn' });
  const db = await mongoose.createConnection(inject('mongodbUri'), { dbName }).asPromise();
  const redis = new Redis(inject('redisUrl'));
  const sockets: TestSocket[] = [];
  const peers: ProtocolPeer[] = [];
  try {
    const store = new SessionStore(redis, { idleSeconds: 3600, maxSeconds: 3600 });
    const tag = randomBytes(3).toString('hex');
    // Accounts straight into the database (the server reads them on the handshake) with a sign-in each.
    const accounts = async (role: Role, count: number, prefix: string) => {
      const now = new Date();
      const docs = Array.from({ length: count }, (_, i) => ({
        _id: new Types.ObjectId(),
        email: `${prefix}-${tag}-${i}@bench.care-asn.id`,
        displayName: `${prefix} ${i}`,
        role,
        passwordHash: 'not-used-by-this-benchmark',
        // Written past mongoose, so its defaults are spelled out.
        active: true,
        createdAt: now,
        updatedAt: now,
      }));
      await db.collection('users').insertMany(docs);
      return Promise.all(
        docs.map(async (doc) => ({
          id: String(doc._id),
          cookie: `care_session=${(await store.create({ userId: String(doc._id), role, passwordStamp: null })).token}`,
        })),
      );
    };

    const idle = await accounts('asn', idleUsers, 'idle');
    for (const account of idle) sockets.push(await connect(server.url, account.cookie));
    await settle();
    const workerPid = childrenOf(server.pid)[0] ?? -1;
    const idleMb = residentMb(server.pid);
    const workerIdleMb = residentMb(workerPid);

    const counselors = await accounts('counselor', sessions, 'counselor');
    const clients = await accounts('asn', sessions, 'client');
    const startsAt = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const appointments = counselors.map((counselor, i) => ({
      _id: new Types.ObjectId(),
      counselorId: new Types.ObjectId(counselor.id),
      clientId: new Types.ObjectId(clients[i]?.id),
      startsAt,
      endsAt: new Date(startsAt.getTime() + 50 * 60_000),
      roomId: randomUUID(),
      status: 'booked',
      createdAt: startsAt,
      updatedAt: startsAt,
    }));
    await db.collection('appointments').insertMany(appointments);

    await Promise.all(
      appointments.map(async (appointment, i) => {
        const sessionId = String(appointment._id);
        const host = await ProtocolPeer.open(server.url, counselors[i]?.cookie ?? '');
        const client = await ProtocolPeer.open(server.url, clients[i]?.cookie ?? '');
        peers.push(host, client);
        await host.join(sessionId);
        await host.sendMedia(1000 + i * 100);
        await host.startMls();
        const admitted = nextEvent(client.socket, 'lobby:admitted', 30_000);
        await client.data('lobby:knock', { sessionId });
        await host.data('lobby:admit', { sessionId, userId: clients[i]?.id });
        await admitted;
        await client.join(sessionId);
        await client.sendMedia(50_000 + i * 100);
        await client.startMls();
      }),
    );
    // Live: both in one group, each receiving the other's microphone and camera.
    const deadline = Date.now() + 120_000;
    while (!peers.every((p) => p.groupSize() === 2 && p.consumers.size === 2)) {
      if (Date.now() > deadline) throw new Error('the sessions did not all come up');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await settle();
    const liveMb = residentMb(server.pid);
    const workerLiveMb = residentMb(workerPid);
    return {
      idleMb,
      liveMb,
      perSessionMb: (liveMb - idleMb) / sessions,
      workerIdleMb,
      workerLiveMb,
      workerPerSessionMb: (workerLiveMb - workerIdleMb) / sessions,
      idleUsers,
      sessions,
    };
  } finally {
    for (const peer of peers) peer.close();
    for (const socket of sockets) socket.close();
    await server.stop();
    await db.dropDatabase().catch(() => undefined);
    await db.close();
    redis.disconnect();
  }
}
