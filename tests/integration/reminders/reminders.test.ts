import { ReminderDue, type BookingView, type CounselorSlotsView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, startTestPlatform, type TestPlatform, type TestSocket } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type SchedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';
import { TwoNodes } from './two-nodes.js';
import { startSmtpInbox, type ReceivedMail, type SmtpInbox } from './smtp-inbox.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOT_NEUTRAL = /konsel|counsel|psiko|psych|terapi|therap|topik|topic|alasan|reason/i;

/** The reminders' clock, shared by both nodes; null follows the real one. */
let clockMs: number | null = null;
const reminderClock = () => new Date(clockMs ?? Date.now());

let inbox: SmtpInbox;
let nodeA: TestPlatform;
let nodeB: TestPlatform;
let counselor: TestAccount;
let asn: TestAccount;
let asAsn: SchedulingClient;
let addresses: Record<string, string>;
let sockets: Record<string, TestSocket>;
const inApp: Record<string, ReminderDue[]> = {};
let slots: string[];
let session: BookingView;
let cancelled: BookingView;

const env = () => ({ SMTP_URL: inbox.url, REMINDER_INTERVAL_MS: '100', MAIL_RETRY_BASE_MS: '20', REMINDER_OFFSETS_MINUTES: '1440,15' });

beforeAll(async () => {
  inbox = await startSmtpInbox();
  nodeA = await startTestPlatform(env(), { reminderClock });
  // A second node on the same database and Redis: two schedulers looking at the same appointments.
  nodeB = await startTestPlatform({ ...env(), MONGODB_DB: nodeA.dbName }, { reminderClock });
  [counselor] = (await createAccounts(nodeA, 'counselor', 1, 'rem-c')) as [TestAccount];
  [asn] = (await createAccounts(nodeA, 'asn', 1, 'rem-a')) as [TestAccount];
  addresses = {};
  for (const who of [counselor, asn]) addresses[who.id] = (await nodeA.platform.db.users.findById(who.id).lean())!.email;
  asAsn = schedulingClient(nodeA.url, asn.cookie);
  expect((await schedulingClient(nodeA.url, counselor.cookie).put('/availability', { weekly: allWeek, minNoticeHours: 0, maxPerDay: 24 })).status).toBe(200);
  const answer = await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  slots = (answer.body.data?.slots ?? []).map((s) => s.startsAt).filter((s) => Date.parse(s) > Date.now() + 48 * HOUR);
  session = (await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[0] })).body.data!;
  cancelled = (await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[1] })).body.data!;
  expect((await asAsn.post(`/bookings/${cancelled.id}/cancel`, {})).status).toBe(200);
  await nodeA.platform.notifications.service.idle();

  sockets = {};
  for (const who of [counselor, asn]) {
    // Both people are connected to node A; a reminder sent by node B reaches them through the Redis adapter.
    sockets[who.id] = await connect(nodeA.url, who.cookie);
    inApp[who.id] = [];
    sockets[who.id]!.on('reminder:due', (payload) => inApp[who.id]!.push(ReminderDue.parse(payload)));
  }
});

afterAll(async () => {
  for (const socket of Object.values(sockets ?? {})) socket.close();
  await nodeB?.close();
  await nodeA?.close();
  await inbox?.close();
});

const reminderMails = () => inbox.received.filter((m) => /^(Pengingat|Reminder):/.test(m.subject));

const nodes = new TwoNodes(() => [nodeA, nodeB], () => sockets);
const quiesce = () => nodes.quiesce([counselor.id, asn.id]);
const race = (rounds?: number) => nodes.race(rounds);

const deliveriesFor = (appointmentId: string) =>
  nodeA.platform.db.connection.collection('deliveries').find({ appointmentId: new Types.ObjectId(appointmentId), kind: 'reminder' }).toArray();

function expectOnePerPerson(mails: ReceivedMail[]): void {
  expect(mails.map((m) => m.to).sort()).toEqual(Object.values(addresses).sort());
  for (const mail of mails) {
    expect(mail.text).not.toMatch(NOT_NEUTRAL);
    expect(mail.raw).not.toContain(counselor.displayName);
    expect(mail.raw).not.toContain(asn.displayName);
    expect(mail.text).toContain('/appointments');
  }
}

describe('reminders', () => {
  it('reminds both people once, by email and in-app, a day before — with two nodes racing', async () => {
    clockMs = Date.parse(session.startsAt) - 24 * HOUR + MINUTE;
    await inbox.waitFor((all) => all.filter((m) => /^(Pengingat|Reminder):/.test(m.subject)).length >= 2, 'the day-before reminders');
    await race();
    await quiesce();

    const mails = reminderMails();
    expect(mails).toHaveLength(2);
    expectOnePerPerson(mails);
    expect(mails.every((m) => m.subject.startsWith('Pengingat: janji CARE ASN Anda '))).toBe(true);
    expect(mails.every((m) => m.calendars.length === 0)).toBe(true);
    for (const who of [counselor, asn]) {
      expect(inApp[who.id]).toEqual([{ session: 'appointment', sessionId: session.id, startsAt: session.startsAt, endsAt: session.endsAt, offsetMinutes: 1440 }]);
    }
    // One claim per person and channel, each sent; none for the cancelled booking in the same window.
    const claims = await deliveriesFor(session.id);
    expect(claims.map((c) => `${c.channel}:${c.status}:${c.attempt}`).sort()).toEqual(['email:sent:1', 'email:sent:1', 'in_app:sent:1', 'in_app:sent:1']);
    expect(await deliveriesFor(cancelled.id)).toEqual([]);
  });

  it('sends nothing twice after a node restarts, and the 15-minute reminder once', async () => {
    await nodeB.close();
    nodeB = await startTestPlatform({ ...env(), MONGODB_DB: nodeA.dbName }, { reminderClock });
    // Still inside the day-before window: the restarted node finds it claimed.
    await race();
    await quiesce();
    expect(reminderMails()).toHaveLength(2);

    clockMs = Date.parse(session.startsAt) - 15 * MINUTE + 1000;
    for (const scheduler of nodes.schedulers()) scheduler.start();
    await inbox.waitFor((all) => all.filter((m) => /^(Pengingat|Reminder):/.test(m.subject)).length >= 4, 'the 15-minute reminders');
    await race();
    await quiesce();

    const soon = reminderMails().slice(2);
    expect(soon).toHaveLength(2);
    expectOnePerPerson(soon);
    expect(soon.every((m) => /dalam 15 menit/.test(m.subject))).toBe(true);
    for (const who of [counselor, asn]) expect(inApp[who.id]!.map((r) => r.offsetMinutes)).toEqual([1440, 15]);
    expect(await deliveriesFor(session.id)).toHaveLength(8);
    expect(await deliveriesFor(cancelled.id)).toEqual([]);
  });

  it('reminds a rescheduled session at its new time, not the old one', async () => {
    clockMs = null;
    const before = await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[4] });
    const later = slots.find((s) => Date.parse(s) > Date.parse(slots[4]!) + 3 * 24 * HOUR)!;
    const moved = (await asAsn.post<BookingView>(`/bookings/${before.body.data!.id}/reschedule`, { startsAt: later })).body.data!;
    await nodeA.platform.notifications.service.idle();
    const count = reminderMails().length;

    // The old time's window: nothing (the booking moved away).
    clockMs = Date.parse(slots[4]!) - 24 * HOUR + MINUTE;
    await race(2);
    expect(reminderMails()).toHaveLength(count);
    expect(await deliveriesFor(before.body.data!.id)).toEqual([]);

    // The new time's window: both people, once.
    clockMs = Date.parse(later) - 24 * HOUR + MINUTE;
    await race(3);
    await quiesce();
    const fresh = reminderMails().slice(count);
    expect(fresh).toHaveLength(2);
    expectOnePerPerson(fresh);
    for (const who of [counselor, asn]) expect(inApp[who.id]!.at(-1)).toMatchObject({ session: 'appointment', sessionId: moved.id, offsetMinutes: 1440 });
  });

  it('sends no reminder for a window that opened before the booking was made', async () => {
    clockMs = null;
    const soon = slots.find((s) => Date.parse(s) > Date.parse(slots[0]!) + 10 * 24 * HOUR)!;
    const booked = (await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: soon })).body.data!;
    await nodeA.platform.notifications.service.idle();
    // Pretend it was booked only 20 hours ahead: the day-before window had already opened.
    // (Through the driver: mongoose keeps createdAt immutable.)
    await nodeA.platform.db.connection
      .collection('appointments')
      .updateOne({ _id: new Types.ObjectId(booked.id) }, { $set: { createdAt: new Date(Date.parse(soon) - 20 * HOUR) } });
    const count = reminderMails().length;
    clockMs = Date.parse(soon) - 19 * HOUR;
    await race(2);
    expect(reminderMails()).toHaveLength(count);
    // The 15-minute one still comes.
    clockMs = Date.parse(soon) - 10 * MINUTE;
    await race(2);
    expect(reminderMails()).toHaveLength(count + 2);
  });
});
