import { ReminderDue, type EnrolResult, type FacilitatedCircleView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, startTestPlatform, type TestPlatform, type TestSocket } from '../../support/test-platform.js';
import { circlesClient, createAccounts, createCircle, type TestAccount } from '../circles/circles-client.js';
import { TwoNodes } from './two-nodes.js';
import { startSmtpInbox, type ReceivedMail, type SmtpInbox } from './smtp-inbox.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const TOPIC = 'Berduka setelah kehilangan';
const NOT_NEUTRAL = /konsel|counsel|psiko|psych|terapi|therap|topik|topic|berduka|kehilangan/i;

/** The reminders' clock, shared by both nodes; null follows the real one. */
let clockMs: number | null = null;
const reminderClock = () => new Date(clockMs ?? Date.now());

let inbox: SmtpInbox;
let nodeA: TestPlatform;
let nodeB: TestPlatform;
let facilitator: TestAccount;
/** Seated throughout. */
let members: TestAccount[];
/** Seated, then left before any reminder. */
let leaver: TestAccount;
/** In line, then promoted into the leaver's seat. */
let promoted: TestAccount;
/** In line throughout. */
let waiting: TestAccount;
let everyone: TestAccount[];
let addressOf: Record<string, string>;
const sockets: Record<string, TestSocket> = {};
const inApp: Record<string, ReminderDue[]> = {};
let circle: FacilitatedCircleView;
let cancelledCircle: FacilitatedCircleView;

const env = () => ({ SMTP_URL: inbox.url, REMINDER_INTERVAL_MS: '100', MAIL_RETRY_BASE_MS: '20', REMINDER_OFFSETS_MINUTES: '1440,15' });
const as = (account: TestAccount) => circlesClient(nodeA.url, account);

beforeAll(async () => {
  inbox = await startSmtpInbox();
  nodeA = await startTestPlatform(env(), { reminderClock });
  // A second node on the same database and Redis: two schedulers looking at the same meetings.
  nodeB = await startTestPlatform({ ...env(), MONGODB_DB: nodeA.dbName }, { reminderClock });
  [facilitator] = (await createAccounts(nodeA, 'counselor', 1, 'crem-f')) as [TestAccount];
  const asn = await createAccounts(nodeA, 'asn', 5, 'crem-a');
  [leaver, promoted, waiting] = asn.slice(2) as [TestAccount, TestAccount, TestAccount];
  members = asn.slice(0, 2);
  everyone = [facilitator, ...asn];
  addressOf = {};
  for (const who of everyone) addressOf[who.id] = (await nodeA.platform.db.users.findById(who.id).lean())!.email;

  circle = await createCircle(nodeA.url, facilitator, { topic: TOPIC, recurrence: 'weekly', occurrences: 2, capacity: 3 });
  for (const who of [...members, leaver]) expect((await as(who).post<EnrolResult>(`/${circle.id}/enrol`)).body.data?.status).toBe('enrolled');
  for (const who of [promoted, waiting]) expect((await as(who).post<EnrolResult>(`/${circle.id}/enrol`)).body.data?.status).toBe('waitlisted');
  expect((await as(leaver).post(`/${circle.id}/leave`)).body.data).toEqual({ left: 'seat' });
  // A second circle with a meeting in the same window, cancelled: nobody hears of it again.
  cancelledCircle = await createCircle(nodeA.url, facilitator, { topic: TOPIC, capacity: 3 });
  expect((await as(members[0]!).post<EnrolResult>(`/${cancelledCircle.id}/enrol`)).body.data?.status).toBe('enrolled');
  expect((await as(facilitator).post(`/${cancelledCircle.id}/cancel`)).status).toBe(200);
  await nodeA.platform.notifications.circles.idle();

  for (const who of everyone) {
    // Everyone is connected to node A; a reminder sent by node B reaches them through the Redis adapter.
    sockets[who.id] = await connect(nodeA.url, who.cookie);
    inApp[who.id] = [];
    sockets[who.id]!.on('reminder:due', (payload) => inApp[who.id]!.push(ReminderDue.parse(payload)));
  }
});

afterAll(async () => {
  for (const socket of Object.values(sockets)) socket.close();
  await nodeB?.close();
  await nodeA?.close();
  await inbox?.close();
});

const ours = (m: ReceivedMail) => Object.values(addressOf).includes(m.to);
const reminderMails = () => inbox.received.filter((m) => ours(m) && /^(Pengingat|Reminder):/.test(m.subject));
/** Who should be reminded: the facilitator, the members, and the person promoted into the freed seat. */
const reminded = () => [facilitator, ...members, promoted];

const nodes = new TwoNodes(() => [nodeA, nodeB], () => sockets);
const quiesce = () => nodes.quiesce(everyone.map((who) => who.id));
const race = (rounds?: number) => nodes.race(rounds);

const claimsFor = (meetingId: string) =>
  nodeA.platform.db.connection.collection('deliveries').find({ appointmentId: new Types.ObjectId(meetingId), kind: 'circle_reminder' }).toArray();

function expectOneEach(mails: ReceivedMail[]): void {
  expect(mails.map((m) => m.to).sort()).toEqual(reminded().map((who) => addressOf[who.id]).sort());
  for (const mail of mails) {
    expect(mail.calendars).toEqual([]);
    expect(mail.text).toContain('/circles');
    expect(`${mail.subject}\n${mail.text}`).not.toMatch(NOT_NEUTRAL);
    expect(mail.raw).not.toContain(TOPIC);
    for (const who of everyone) expect(mail.raw).not.toContain(who.displayName);
  }
}

describe('circle meeting reminders', () => {
  it('reminds the facilitator and every seated member once, by email and in-app, a day before — with two nodes racing', async () => {
    const [meeting] = circle.meetings;
    clockMs = Date.parse(meeting!.startsAt) - 24 * HOUR + MINUTE;
    await inbox.waitFor(() => reminderMails().length >= 4, 'the day-before reminders');
    await race();
    await quiesce();

    const mails = reminderMails();
    expect(mails).toHaveLength(4);
    expectOneEach(mails);
    expect(mails.filter((m) => m.to !== addressOf[facilitator.id]).every((m) => m.subject.startsWith('Pengingat: sesi kelompok CARE ASN Anda besok pukul '))).toBe(true);
    for (const who of reminded()) {
      expect(inApp[who.id]).toEqual([{ session: 'circle_meeting', sessionId: meeting!.id, startsAt: meeting!.startsAt, endsAt: meeting!.endsAt, offsetMinutes: 1440 }]);
    }
    // Nobody who left or only waits; nothing for the cancelled circle.
    for (const who of [leaver, waiting]) expect(inApp[who.id]).toEqual([]);
    const claims = await claimsFor(meeting!.id);
    expect(claims.map((c) => `${c.channel}:${c.status}:${c.attempt}`).sort()).toEqual([...Array(4).fill('email:sent:1'), ...Array(4).fill('in_app:sent:1')]);
    expect(claims.map((c) => c.recipientId.toString())).not.toContain(leaver.id);
    expect(await claimsFor(cancelledCircle.meetings[0]!.id)).toEqual([]);
  });

  it('sends nothing twice after a node restarts, and the 15-minute reminder once', async () => {
    const [meeting] = circle.meetings;
    await nodeB.close();
    nodeB = await startTestPlatform({ ...env(), MONGODB_DB: nodeA.dbName }, { reminderClock });
    // Still inside the day-before window: the restarted node finds it claimed.
    await race();
    await quiesce();
    expect(reminderMails()).toHaveLength(4);

    clockMs = Date.parse(meeting!.startsAt) - 15 * MINUTE + 1000;
    for (const scheduler of nodes.schedulers()) scheduler.start();
    await inbox.waitFor(() => reminderMails().length >= 8, 'the 15-minute reminders');
    await race();
    await quiesce();

    const soon = reminderMails().slice(4);
    expect(soon).toHaveLength(4);
    expectOneEach(soon);
    expect(soon.filter((m) => m.to !== addressOf[facilitator.id]).every((m) => /^Pengingat: sesi kelompok CARE ASN Anda dalam 15 menit/.test(m.subject))).toBe(true);
    for (const who of reminded()) expect(inApp[who.id]!.map((r) => r.offsetMinutes)).toEqual([1440, 15]);
    for (const who of [leaver, waiting]) expect(inApp[who.id]).toEqual([]);
    expect(await claimsFor(meeting!.id)).toHaveLength(16);
    expect(await claimsFor(cancelledCircle.meetings[0]!.id)).toEqual([]);
  });

  it('stops reminding someone who leaves, and reminds nobody once the circle is cancelled', async () => {
    const [, second] = circle.meetings;
    const [staying, going] = members as [TestAccount, TestAccount];
    clockMs = null;
    expect((await as(going).post(`/${circle.id}/leave`)).body.data).toEqual({ left: 'seat' });
    // The person waiting takes the seat, a week ahead of the next meeting: they get its reminders.
    await nodeA.platform.notifications.circles.idle();
    const count = reminderMails().length;
    clockMs = Date.parse(second!.startsAt) - 24 * HOUR + MINUTE;
    await race(3);
    await quiesce();
    const fresh = reminderMails().slice(count);
    expect(fresh.map((m) => m.to).sort()).toEqual([facilitator, staying, promoted, waiting].map((who) => addressOf[who.id]).sort());
    expect(inApp[going.id]!.map((r) => r.sessionId)).not.toContain(second!.id);
    expect(inApp[waiting.id]).toEqual([expect.objectContaining({ session: 'circle_meeting', sessionId: second!.id, offsetMinutes: 1440 })]);

    clockMs = null;
    expect((await as(facilitator).post(`/${circle.id}/cancel`)).status).toBe(200);
    await nodeA.platform.notifications.circles.idle();
    const before = reminderMails().length;
    clockMs = Date.parse(second!.startsAt) - 15 * MINUTE + 1000;
    await race(3);
    await quiesce();
    expect(reminderMails()).toHaveLength(before);
    expect((await claimsFor(second!.id)).filter((c) => c.detail === '15')).toEqual([]);
  });
});
