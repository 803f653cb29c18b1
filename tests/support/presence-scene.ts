import { randomUUID } from 'node:crypto';
import { demoAccounts } from '@care/server';
import { ask, connect, login, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from './test-platform.js';

/** A presence update as a follower receives it. */
export interface PresenceUpdate {
  userId: string;
  online: boolean;
  status: 'offline' | 'online' | 'in_session';
}

/**
 * The demo counselor with two clients: the demo ASN, whose session is open
 * now, and a second ASN whose appointment with the same counselor is later
 * today (so each may follow the counselor's presence); and the circle
 * meeting the counselor facilitates, open now.
 */
export interface PresenceScene {
  t: TestPlatform;
  ids: { counselor: string; client: string; laterClient: string };
  cookies: { counselor: string; client: string; laterClient: string };
  appointmentId: string;
  meetingId: string;
  open(cookie: string): Promise<TestSocket>;
  close(): Promise<void>;
}

/** Who takes part in a presence scene: their ids and signed-in cookies, the session open now and the circle meeting. */
export type PresenceCast = Pick<PresenceScene, 'ids' | 'cookies' | 'appointmentId' | 'meetingId'>;

/** Sets the scene's people up on the platform's database (a later appointment for the second ASN) and signs them in. */
export async function presenceCast(t: TestPlatform): Promise<PresenceCast> {
  const [counselor, client, , laterClient] = demoAccounts;
  const users = t.platform.db.connection.collection('users');
  const idOf = async (email: string) => String((await users.findOne({ email }))?._id);
  const ids = { counselor: await idOf(counselor.email), client: await idOf(client.email), laterClient: await idOf(laterClient.email) };
  const appointments = t.platform.db.connection.collection('appointments');
  const open = await appointments.findOne({ clientId: { $exists: true } });
  const later = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3 * 3_600_000);
  await appointments.insertOne({
    counselorId: open?.counselorId,
    clientId: (await users.findOne({ email: laterClient.email }))?._id,
    startsAt: later,
    endsAt: new Date(later.getTime() + 50 * 60_000),
    roomId: randomUUID(),
    status: 'booked',
  });
  const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({});
  const cookies = {
    counselor: await login(t.url, counselor.email, counselor.password),
    client: await login(t.url, client.email, client.password),
    laterClient: await login(t.url, laterClient.email, laterClient.password),
  };
  return { ids, cookies, appointmentId: String(open?._id), meetingId: String(meeting?._id) };
}

export async function startPresenceScene(): Promise<PresenceScene> {
  const t = await startTestPlatform();
  const cast = await presenceCast(t);
  const sockets: TestSocket[] = [];
  return {
    t,
    ...cast,
    async open(cookie) {
      const socket = await connect(t.url, cookie);
      sockets.push(socket);
      return socket;
    },
    async close() {
      for (const socket of sockets) socket.close();
      await t.close();
    },
  };
}

/** Follows `userId`'s presence and returns the first state. */
export async function follow(socket: TestSocket, userId: string): Promise<PresenceUpdate | undefined> {
  const answer = (await ask(socket, 'presence:subscribe', { userIds: [userId] })) as { ok: boolean; data: PresenceUpdate[] };
  if (!answer.ok) throw new Error('presence:subscribe refused');
  return answer.data[0];
}

/** The next presence update this socket receives about `userId` with the given status. */
export function presenceBecomes(socket: TestSocket, userId: string, status: PresenceUpdate['status'], timeoutMs = 10_000): Promise<PresenceUpdate> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no presence ${status} for ${userId} within ${timeoutMs} ms`)), timeoutMs);
    const listener = (update: PresenceUpdate) => {
      if (update.userId !== userId || update.status !== status) return;
      clearTimeout(timer);
      (socket as unknown as { off(e: string, h: unknown): void }).off('presence:update', listener);
      resolve(update);
    };
    (socket as unknown as { on(e: string, h: (u: PresenceUpdate) => void): void }).on('presence:update', listener);
  });
}

export { ask, nextEvent };
