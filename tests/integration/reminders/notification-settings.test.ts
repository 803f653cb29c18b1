import { ReminderDue, type BookingView, type CounselorSlotsView, type NotificationSettingsView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, sessionHeaders, type TestPlatform, type TestSocket } from '../../support/test-platform.js';
import { schedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';
import { startDrivenNode, type DrivenNode } from './driven-node.js';
import type { SmtpInbox } from './smtp-inbox.js';

/*
 * Each person's own choice of email and reminders (real FerretDB, Redis and
 * an in-process SMTP server): an ASN who turns email off and keeps only the
 * 15-minute reminder gets no email at all and only that reminder, in the
 * app; the counselor of the same session, who changed nothing, gets all.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let node: DrivenNode;
let t: TestPlatform;
let inbox: SmtpInbox;
let counselor: TestAccount;
let asn: TestAccount;
let addresses: Record<string, string>;
const sockets: Record<string, TestSocket> = {};
const inApp: Record<string, ReminderDue[]> = {};

beforeAll(async () => {
  node = await startDrivenNode('prefs');
  ({ t, inbox, counselor, asn } = node);
  addresses = {};
  for (const who of [counselor, asn]) {
    addresses[who.id] = (await t.platform.db.users.findById(who.id).lean())!.email;
    sockets[who.id] = await connect(t.url, who.cookie);
    inApp[who.id] = [];
    sockets[who.id]!.on('reminder:due', (payload) => inApp[who.id]!.push(ReminderDue.parse(payload)));
  }
});

afterAll(async () => {
  for (const socket of Object.values(sockets)) socket.close();
  await node?.close();
});

async function settings(cookie: string | null, method: 'GET' | 'PUT', body?: unknown) {
  const headers: Record<string, string> = cookie ? sessionHeaders(cookie) : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${t.url}/api/account/notifications`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return {
    status: response.status,
    body: (await response.json()) as { ok: boolean; data?: NotificationSettingsView; error?: { code: string; issues?: Array<{ path: string }> } },
  };
}

/** Everything the node has emitted so far has reached both sockets: a marker sent after it arrives after it. */
async function settled(): Promise<void> {
  await t.platform.notifications.service.idle();
  for (const [userId, socket] of Object.entries(sockets)) {
    const marker = new Promise<void>((resolve) => (socket as unknown as { once(e: string, h: () => void): void }).once('test:barrier', () => resolve()));
    (t.platform.io.to(`user:${userId}`).emit as (e: string, p: string) => boolean)('test:barrier', 'x');
    await marker;
  }
}

const mailsTo = (who: TestAccount) => inbox.received.filter((m) => m.to === addresses[who.id]);

describe('notification settings', () => {
  it('start with everything on, and refuse what is not offered, typed, or signed', async () => {
    expect((await settings(asn.cookie, 'GET')).body.data).toEqual({ email: true, reminderOffsets: [1440, 15], availableOffsets: [1440, 15], emailAvailable: true });

    const unoffered = await settings(asn.cookie, 'PUT', { email: true, reminderOffsets: [15, 60] });
    expect([unoffered.status, unoffered.body.error?.code, unoffered.body.error?.issues?.map((i) => i.path)]).toEqual([400, 'invalid_payload', ['reminderOffsets.1']]);
    for (const bad of [{ email: 'no', reminderOffsets: [] }, { email: true }, { email: true, reminderOffsets: [15], extra: 1 }, { email: true, reminderOffsets: [-15] }]) {
      const answer = await settings(asn.cookie, 'PUT', bad);
      expect([answer.status, answer.body.error?.code]).toEqual([400, 'invalid_payload']);
    }
    expect((await settings(null, 'GET')).status).toBe(401);
    // An account from before these choices existed (neither field stored): everything on.
    await t.platform.db.connection.collection('users').updateOne({ _id: new Types.ObjectId(counselor.id) }, { $unset: { emailNotifications: '', remindersOff: '' } });
    expect((await settings(counselor.cookie, 'GET')).body.data).toMatchObject({ email: true, reminderOffsets: [1440, 15] });
    const unsigned = await fetch(`${t.url}/api/account/notifications`, {
      method: 'PUT',
      headers: { cookie: asn.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ email: false, reminderOffsets: [] }),
    });
    expect(unsigned.status).toBe(403);
    // Nothing of the refused attempts stuck.
    expect((await settings(asn.cookie, 'GET')).body.data).toMatchObject({ email: true, reminderOffsets: [1440, 15] });
  });

  it('an ASN with email off and only the 15-minute reminder gets just that, in the app; the counselor gets everything', async () => {
    const saved = await settings(asn.cookie, 'PUT', { email: false, reminderOffsets: [15] });
    expect([saved.status, saved.body.data]).toEqual([200, { email: false, reminderOffsets: [15], availableOffsets: [1440, 15], emailAvailable: true }]);

    const asAsn = schedulingClient(t.url, asn.cookie);
    const listed = await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
    const startsAt = (listed.body.data?.slots ?? []).map((s) => s.startsAt).find((s) => Date.parse(s) > Date.now() + 48 * HOUR)!;
    const booked = await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt });
    expect(booked.status).toBe(201);
    await settled();
    // The invitation: to the counselor only.
    expect(mailsTo(counselor)).toHaveLength(1);
    expect(mailsTo(counselor)[0]!.calendars.length).toBeGreaterThan(0);
    expect(mailsTo(asn)).toEqual([]);

    // A day before: the counselor by email and in the app; the ASN turned that reminder off.
    node.setClock(Date.parse(startsAt) - 24 * HOUR + MINUTE);
    await t.platform.notifications.scheduler.tick();
    await settled();
    expect(mailsTo(counselor)).toHaveLength(2);
    expect(inApp[counselor.id]!.map((r) => r.offsetMinutes)).toEqual([1440]);
    expect(inApp[asn.id]).toEqual([]);

    // Fifteen minutes before: the ASN in the app only, the counselor both ways.
    node.setClock(Date.parse(startsAt) - 15 * MINUTE + 1000);
    await t.platform.notifications.scheduler.tick();
    await settled();
    expect(mailsTo(counselor)).toHaveLength(3);
    expect(inApp[counselor.id]!.map((r) => r.offsetMinutes)).toEqual([1440, 15]);
    expect(inApp[asn.id]).toEqual([{ session: 'appointment', sessionId: booked.body.data!.id, startsAt, endsAt: booked.body.data!.endsAt, offsetMinutes: 15 }]);
    expect(mailsTo(asn)).toEqual([]);

    // A later pass sends nothing more (each message was claimed once, wanted or not).
    await t.platform.notifications.scheduler.tick();
    await settled();
    expect(mailsTo(counselor)).toHaveLength(3);
    expect(inApp[asn.id]).toHaveLength(1);
  });

  it('a person chooses their time zone: WITA from then on in their email and calendar file; nonsense refused', async () => {
    const setZone = (cookie: string, body: unknown) =>
      fetch(`${t.url}/api/auth/time-zone`, { method: 'POST', headers: { ...sessionHeaders(cookie), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const bad of [{ timeZone: '+07:00' }, { timeZone: 'Mars/Olympus_Mons' }, { timeZone: 'WITA' }, {}, { timeZone: 'Asia/Makassar', extra: true }]) {
      const refused = await setZone(asn.cookie, bad);
      expect([refused.status, ((await refused.json()) as { error?: { code: string } }).error?.code]).toEqual([400, 'invalid_payload']);
    }
    const changed = await setZone(asn.cookie, { timeZone: 'Asia/Makassar' });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { data: { timeZone: string } }).data.timeZone).toBe('Asia/Makassar');
    expect((await settings(asn.cookie, 'PUT', { email: true, reminderOffsets: [1440, 15] })).status).toBe(200);

    node.setClock(null);
    const asAsn = schedulingClient(t.url, asn.cookie);
    const listed = await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
    const startsAt = (listed.body.data?.slots ?? []).map((s) => s.startsAt).find((s) => Date.parse(s) > Date.now() + 72 * HOUR)!;
    expect((await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt })).status).toBe(201);
    await settled();
    const [invitation] = mailsTo(asn);
    expect(invitation?.subject).toMatch(/ WITA$/);
    expect(invitation?.calendars[0]?.content).toContain('DTSTART;TZID=Asia/Makassar:');
    // The counselor's copy stays in their own zone.
    expect(mailsTo(counselor).at(-1)?.subject).toMatch(/ WIB$/);
  });
});
