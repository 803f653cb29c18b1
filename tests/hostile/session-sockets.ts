import { randomBytes } from 'node:crypto';
import type { SessionEndReason } from '@care/shared';
import { demoAccounts } from '@care/server';
import { expect } from 'vitest';
import { ask, connect, login, startTestPlatform, userIdOf, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/** How a live connection ended: what the server said, and Socket.IO's reason for the disconnect. */
export interface Ending {
  reason: SessionEndReason | undefined;
  disconnect: string;
}

/** Resolves when the server ends this connection (its notice, then the disconnect); rejects after `timeoutMs`. */
export function endingOf(socket: TestSocket, timeoutMs = 20_000): Promise<Ending> {
  return new Promise((resolve, reject) => {
    let reason: SessionEndReason | undefined;
    const timer = setTimeout(() => reject(new Error(`connection ${socket.id ?? ''} still open after ${timeoutMs} ms`)), timeoutMs);
    socket.on('session:ended', (notice) => {
      reason = notice.reason;
    });
    socket.once('disconnect', (why) => {
      clearTimeout(timer);
      resolve({ reason, disconnect: why });
    });
  });
}

/** A request any connection may make (presence of nobody it shares a session with): proves the connection still works. */
export async function stillServed(socket: TestSocket): Promise<boolean> {
  if (!socket.connected) return false;
  const answer = (await ask(socket, 'presence:subscribe', { userIds: ['0'.repeat(24)] }).catch(() => undefined)) as { ok?: boolean } | undefined;
  return answer?.ok === true;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two server nodes (two platforms on one Redis and database, with one
 * rate-limit key, as a deployment would configure them) and the live
 * connections a test opens on them, closed with them.
 */
export class TwoSessionNodes {
  readonly #sockets: TestSocket[] = [];

  private constructor(
    readonly a: TestPlatform,
    readonly b: TestPlatform,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<TwoSessionNodes> {
    const shared = { RATE_LIMIT_KEY: randomBytes(32).toString('base64'), ...env };
    const a = await startTestPlatform(shared);
    return new TwoSessionNodes(a, await startTestPlatform({ ...shared, MONGODB_DB: a.dbName }));
  }

  /** A real Socket.IO client signed in with `cookie`, on `node`. */
  async open(node: TestPlatform, cookie: string): Promise<TestSocket> {
    const socket = await connect(node.url, cookie);
    this.#sockets.push(socket);
    return socket;
  }

  /** Keeps a connection opened elsewhere, to close it at the end. */
  track(socket: TestSocket): TestSocket {
    this.#sockets.push(socket);
    return socket;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.close();
    await this.b.close();
    await this.a.close();
  }
}

/**
 * Cuts both nodes' notice readers, and their pub/sub adapters' subscribers (for the contrast), off Redis, once all
 * four are connected (they reconnect by themselves a moment later).
 */
export async function cutNodesOffRedis(nodes: TwoSessionNodes): Promise<void> {
  const redis = nodes.a.platform.redis;
  const connected = async () =>
    String(await redis.client('LIST'))
      .split('\n')
      .filter((line) => / name=(care-notice-read|care-socket-subscribe) /.test(line))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
  await expect.poll(async () => (await connected()).length, { timeout: 10_000, interval: 20 }).toBe(4);
  for (const id of await connected()) if (id) await redis.client('KILL', 'ID', id);
}

/** The status of GET /api/auth/me with this cookie: 200 while the sign-in lives. */
export const statusOfMe = (node: TestPlatform, cookie: string) => fetch(`${node.url}/api/auth/me`, { headers: { cookie } }).then((r) => r.status);

/** The Redis stream the nodes' notices travel on (server/src/socket/room-notice-stream.ts). */
export const NOTICE_STREAM = 'care:notices';

/** Two nodes, and the demo counselor signed in on node A with one connection: what the notice-stream tests start from. */
export interface CounselorOnTwoNodes {
  nodes: TwoSessionNodes;
  socket: TestSocket;
  userId: string;
}

export async function counselorOnTwoNodes(): Promise<CounselorOnTwoNodes> {
  const [counselor] = demoAccounts;
  const nodes = await TwoSessionNodes.start();
  const socket = await nodes.open(nodes.a, await login(nodes.a.url, counselor.email, counselor.password));
  return { nodes, socket, userId: await userIdOf(nodes.a, counselor.email) };
}

/** Every `calendar:changed` the connection gets from now on, by booking id. */
export function calendarChanges(socket: TestSocket): string[] {
  const seen: string[] = [];
  (socket as unknown as { on(e: string, h: (p: { bookingId: string }) => void): void }).on('calendar:changed', ({ bookingId }) => seen.push(bookingId));
  return seen;
}
