import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { circlesClient, createCircle } from '../integration/circles/circles-client.js';
import { ask, connect, login, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * Whoever reads the logs (operators, a log service, a leak) must not learn
 * which account sat in which circle under which pseudonym. A circle's life
 * is run for real — enrolment, a full circle with a line, leaving, a
 * promotion and its calendar mail, then a pseudonymous meeting with four
 * members joining, a removal, leaving — with logs at debug level, and then
 * every log line is read: no line holds an account id beside a pseudonym,
 * a room peer id, a seat, a circle or a meeting of it, nor can one be
 * reached from the other through ids that lines share.
 */

const [counselor, asn, , asn2, asn3, asn4] = demoAccounts;
const members = [asn, asn2, asn3, asn4];
const pseudonyms = ['Melati', 'Anggrek', 'Kenanga', 'Mawar'];

let t: TestPlatform;
const sockets: TestSocket[] = [];

interface Member {
  userId: string;
  peerIds: string[];
  /** What must never be tied to the account in the logs. */
  secrets: string[];
}

const ID = /^([0-9a-f]{24}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9_-]{20})$/;

/** Every id-like string value of a log line (ObjectIds, UUIDs, socket ids), and the words of its message. */
function tokensOf(line: string): Set<string> {
  const tokens = new Set<string>();
  const walk = (value: unknown) => {
    if (typeof value === 'string') {
      if (ID.test(value)) tokens.add(value);
      for (const word of value.split(/[^A-Za-z0-9_-]+/)) if (word) tokens.add(word);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(JSON.parse(line));
  return tokens;
}

/** Lines holding an account and one of its secrets together; and secrets reachable from the account through shared ids. */
function pairings(lines: readonly string[], member: Member): { together: string[]; linked: string[] } {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x) ?? x;
    if (p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  const together: string[] = [];
  for (const line of lines) {
    const tokens = tokensOf(line);
    if (tokens.has(member.userId) && member.secrets.some((s) => tokens.has(s))) together.push(line);
    // Only ids chain lines together (a message word is shared by every line of its kind).
    const ids = [...tokens].filter((x) => ID.test(x) || member.secrets.includes(x));
    for (const id of ids.slice(1)) parent.set(find(id), find(ids[0]!));
  }
  const linked = member.secrets.filter((s) => find(s) === find(member.userId));
  return { together, linked };
}

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'debug' });
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await t?.close();
});

describe('the logs never pair an account with a pseudonym or a circle', () => {
  it('control: a line holding an account and its pseudonym, or a chain of ids from one to the other, is caught', () => {
    const member = { userId: '0123456789abcdef01234567', peerIds: [], secrets: ['Melati', '11111111-2222-4333-8444-555555555555'] };
    const lines = [
      JSON.stringify({ level: 30, userId: member.userId, msg: 'seated as Melati' }),
      JSON.stringify({ level: 30, userId: member.userId, connectionId: 'AbCdEfGhIjKlMnOpQrSt' }),
      JSON.stringify({ level: 30, connectionId: 'AbCdEfGhIjKlMnOpQrSt', peerId: '11111111-2222-4333-8444-555555555555' }),
    ];
    const found = pairings(lines, member);
    expect(found.together).toHaveLength(1);
    expect(found.linked.sort()).toEqual(['11111111-2222-4333-8444-555555555555', 'Melati']);
  });

  it('holds through a circle’s life and a pseudonymous meeting', { timeout: 120_000 }, async () => {
    const cookies = new Map<string, string>();
    for (const account of [counselor, ...members]) cookies.set(account.email, await login(t.url, account.email, account.password));
    const as = (account: { email: string; role: 'asn' | 'counselor' | 'admin' }) => ({ id: '', role: account.role, displayName: '', cookie: cookies.get(account.email)! });
    const userIds = new Map<string, string>();
    for (const account of members) userIds.set(account.email, String((await t.platform.db.users.findOne({ email: account.email }))?._id));

    // A circle of two with a line; one leaves, the first in line is promoted (and sent the calendar).
    const small = await createCircle(t.url, as(counselor), { capacity: 2 });
    for (const account of [asn2, asn3, asn4]) expect((await circlesClient(t.url, as(account)).post(`/${small.id}/enrol`)).status).toBe(200);
    expect((await circlesClient(t.url, as(asn2)).post(`/${small.id}/leave`)).body).toMatchObject({ ok: true, data: { left: 'seat' } });
    await t.platform.notifications.circles.idle();

    // The demo circle's meeting, on now: the facilitator opens it, the four members knock, are let in, join.
    const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({ startsAt: { $lte: new Date(Date.now() + 15 * 60_000) } });
    const sessionId = String(meeting?._id);
    const demoCircleId = String(meeting?.circleId);
    const facilitator = await connect(t.url, cookies.get(counselor.email));
    sockets.push(facilitator);
    expect(await ask(facilitator, 'room:join', { sessionId })).toMatchObject({ ok: true });
    const joined = new Map<string, TestSocket>();
    const peerIds = new Map<string, string[]>();
    for (const account of members) {
      const socket = await connect(t.url, cookies.get(account.email));
      sockets.push(socket);
      joined.set(account.email, socket);
      expect(await ask(socket, 'lobby:knock', { sessionId })).toMatchObject({ ok: true });
    }
    expect(await ask(facilitator, 'lobby:admit-all', { sessionId })).toMatchObject({ ok: true });
    for (const account of members) {
      const answer = (await ask(joined.get(account.email)!, 'room:join', { sessionId })) as { ok: boolean; data: { peerId: string } };
      expect(answer.ok).toBe(true);
      peerIds.set(account.email, [answer.data.peerId]);
    }
    // One leaves and comes back (a new peer id), one is removed by the facilitator.
    const back = joined.get(asn3.email)!;
    expect(await ask(back, 'room:leave', {})).toMatchObject({ ok: true });
    const rejoined = (await ask(back, 'room:join', { sessionId })) as { data: { peerId: string } };
    peerIds.get(asn3.email)!.push(rejoined.data.peerId);
    expect(await ask(facilitator, 'room:moderate', { peerId: peerIds.get(asn4.email)![0], action: 'remove' })).toMatchObject({ ok: true });

    const seats = await t.platform.db.connection.collection('circle_seats').find({}).toArray();
    const lines = t.logs.flatMap((chunk) => chunk.split('\n')).filter((line) => line.trim().startsWith('{'));
    expect(lines.some((line) => line.includes('peer joined'))).toBe(true);
    expect(lines.some((line) => line.includes('promoted from the circle waitlist'))).toBe(true);
    expect(lines.some((line) => line.includes('circle enrolment'))).toBe(true);

    const problems: string[] = [];
    members.forEach((account, i) => {
      // Seats 1–4 of the demo circle are these four, in this order.
      const userId = userIds.get(account.email)!;
      const ownSeats = seats.filter((s) => String(s.userId) === userId);
      const member: Member = {
        userId,
        peerIds: peerIds.get(account.email) ?? [],
        secrets: [
          pseudonyms[i]!,
          ...(peerIds.get(account.email) ?? []),
          ...ownSeats.map((s) => String(s._id)),
          ...ownSeats.map((s) => String(s.circleId)),
          demoCircleId,
          sessionId,
        ],
      };
      const { together, linked } = pairings(lines, member);
      for (const line of together) problems.push(`${account.email}: ${line}`);
      for (const secret of linked) problems.push(`${account.email}: reachable from the account through shared ids: ${secret}`);
    });
    expect(problems).toEqual([]);
    // No pseudonym is logged at all.
    for (const pseudonym of pseudonyms) expect(lines.filter((line) => tokensOf(line).has(pseudonym))).toEqual([]);
  });
});
