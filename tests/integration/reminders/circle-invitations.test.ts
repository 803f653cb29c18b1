import type { EnrolResult, FacilitatedCircleView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { circlesClient, createAccounts, createCircle, type TestAccount } from '../circles/circles-client.js';
import { icsLines, startSmtpInbox, type ReceivedMail, type SmtpInbox } from './smtp-inbox.js';

const TOPIC = 'Berduka setelah kehilangan';
/** Words a neutral message never holds: the kind of help, the topic, the pseudonyms people see. */
const NOT_NEUTRAL = /konsel|counsel|psiko|psych|terapi|therap|topik|topic|berduka|kehilangan|melati|anggrek|kenanga|dukungan|support/i;

let inbox: SmtpInbox;
let t: TestPlatform;
let facilitator: TestAccount;
let admin: TestAccount;
let people: TestAccount[];
let addressOf: Record<string, string>;
let circle: FacilitatedCircleView;

beforeAll(async () => {
  inbox = await startSmtpInbox();
  t = await startTestPlatform({ SMTP_URL: inbox.url, MAIL_RETRY_BASE_MS: '20', REMINDER_INTERVAL_MS: '100' });
  [facilitator] = (await createAccounts(t, 'counselor', 1, 'cinv-f')) as [TestAccount];
  [admin] = (await createAccounts(t, 'admin', 1, 'cinv-admin')) as [TestAccount];
  people = await createAccounts(t, 'asn', 5, 'cinv-a');
  // The facilitator reads English and lives in Papua (WIT); the members read Indonesian in Jakarta (WIB).
  await t.platform.db.users.updateOne({ _id: facilitator.id }, { $set: { locale: 'en', timeZone: 'Asia/Jayapura' } });
  addressOf = {};
  for (const who of [facilitator, ...people]) addressOf[who.id] = (await t.platform.db.users.findById(who.id).lean())!.email;
});

afterAll(async () => {
  await t?.close();
  await inbox?.close();
});

const as = (account: TestAccount) => circlesClient(t.url, account);
const mailsTo = (who: TestAccount) => inbox.received.filter((m) => m.to === addressOf[who.id]);
const settle = async () => {
  await t.platform.notifications.circles.idle();
};

function calendarOf(mail: ReceivedMail): string {
  const part = mail.calendars.find((c) => /^text\/calendar/i.test(c.contentType));
  const attachment = mail.calendars.find((c) => c.filename?.endsWith('.ics'));
  expect(part, 'text/calendar part').toBeDefined();
  expect(attachment?.content, '.ics attachment').toBe(part!.content);
  return part!.content;
}

/** Each VEVENT of a calendar object: its properties by name. */
function events(ics: string): Array<Record<string, string>> {
  const found: Array<Record<string, string>> = [];
  let current: Record<string, string> | null = null;
  for (const line of icsLines(ics)) {
    if (line === 'BEGIN:VEVENT') current = {};
    else if (line === 'END:VEVENT' && current) {
      found.push(current);
      current = null;
    } else if (current) {
      const name = /^[A-Z-]+/.exec(line)?.[0] ?? '';
      current[name] = line;
    }
  }
  return found;
}

const method = (ics: string) => icsLines(ics).find((l) => l.startsWith('METHOD:'))?.slice(7);
const uids = (ics: string) => events(ics).map((e) => e.UID!.slice(4));

function expectNeutral(mail: ReceivedMail): void {
  const everything = `${mail.subject}\n${mail.text}\n${mail.calendars.map((c) => c.content).join('\n')}`;
  expect(everything).not.toMatch(NOT_NEUTRAL);
  expect(mail.raw).not.toContain(TOPIC);
  for (const who of [facilitator, ...people]) {
    expect(mail.raw).not.toContain(who.displayName);
    // Each person sees only their own address.
    if (addressOf[who.id] !== mail.to) expect(mail.raw).not.toContain(addressOf[who.id]);
  }
}

async function waitForMails(who: TestAccount, count: number): Promise<ReceivedMail[]> {
  await inbox.waitFor(() => mailsTo(who).length >= count, `${count} message(s) to ${who.id}`);
  await settle();
  const mails = mailsTo(who);
  expect(mails).toHaveLength(count);
  return mails;
}

async function fetchIcs(who: TestAccount | null, id: string): Promise<{ status: number; disposition: string; body: string }> {
  const response = await fetch(`${t.url}/api/circles/${id}/calendar.ics`, { headers: who ? { cookie: who.cookie } : {} });
  return { status: response.status, disposition: response.headers.get('content-disposition') ?? '', body: await response.text() };
}

describe('circle calendar invitations by email', () => {
  let memberUids: string[];

  it('invites the facilitator to every meeting of the circle they create, under a neutral title in their zone', async () => {
    circle = await createCircle(t.url, facilitator, { topic: TOPIC, recurrence: 'weekly', occurrences: 3, capacity: 2, durationMinutes: 60 });
    const [mail] = await waitForMails(facilitator, 1);
    expect(mail!.subject).toMatch(/^CARE ASN group session: 3 meetings from .+ at \d{2}:\d{2} WIT$/);
    const ics = calendarOf(mail!);
    expect(method(ics)).toBe('REQUEST');
    const vevents = events(ics);
    expect(vevents).toHaveLength(3);
    expect(vevents.map((e) => e.SUMMARY)).toEqual(Array(3).fill('SUMMARY:CARE ASN group session'));
    expect(vevents.every((e) => e.DTSTART?.startsWith('DTSTART;TZID=Asia/Jayapura:'))).toBe(true);
    expectNeutral(mail!);
  });

  it('invites a member on enrolment: one REQUEST with a VEVENT per meeting, their own UIDs, nothing of the topic', async () => {
    const [first] = people as [TestAccount];
    expect((await as(first).post<EnrolResult>(`/${circle.id}/enrol`)).body.data?.status).toBe('enrolled');
    const [mail] = await waitForMails(first, 1);
    expect(mail!.subject).toMatch(/^Sesi kelompok CARE ASN: 3 pertemuan mulai \w+, \d{1,2} \w+ \d{4} pukul \d{2}\.\d{2} WIB$/);
    expect(mail!.text).toContain(`${t.platform.url}/circles`);
    const ics = calendarOf(mail!);
    expect(method(ics)).toBe('REQUEST');
    const vevents = events(ics);
    expect(vevents).toHaveLength(3);
    expect(vevents.map((e) => e.SUMMARY)).toEqual(Array(3).fill('SUMMARY:Sesi kelompok CARE ASN'));
    expect(vevents.map((e) => e.SEQUENCE)).toEqual(Array(3).fill('SEQUENCE:0'));
    // The meetings' own times, in the member's zone.
    const wall = (iso: string) =>
      new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Jakarta', dateStyle: 'short', timeStyle: 'medium' }).format(new Date(iso)).replace(/[-: ]/g, (c) => (c === ' ' ? 'T' : ''));
    expect(vevents.map((e) => e.DTSTART)).toEqual(circle.meetings.map((m) => `DTSTART;TZID=Asia/Jakarta:${wall(m.startsAt)}`));
    memberUids = uids(ics);
    expect(new Set(memberUids).size).toBe(3);
    memberUids.forEach((uid, i) => expect(uid.startsWith(`${circle.meetings[i]!.id}.`)).toBe(true));
    // Not the facilitator's events: each person's calendar entries are their own.
    const facilitatorUids = uids(calendarOf(mailsTo(facilitator)[0]!));
    expect(memberUids.filter((uid) => facilitatorUids.includes(uid))).toEqual([]);
    expectNeutral(mail!);
  });

  it('sends nothing to someone who only joins the line, and serves the file to members and the facilitator only', async () => {
    const [first, second, third] = people as [TestAccount, TestAccount, TestAccount];
    expect((await as(second).post<EnrolResult>(`/${circle.id}/enrol`)).body.data?.status).toBe('enrolled');
    expect((await as(third).post<EnrolResult>(`/${circle.id}/enrol`)).body.data?.status).toBe('waitlisted');
    await waitForMails(second, 1);
    expect(mailsTo(third)).toEqual([]);

    const file = await fetchIcs(first, circle.id);
    expect(file.status).toBe(200);
    expect(file.disposition).toBe('attachment; filename="sesi-kelompok-care-asn.ics"');
    expect(method(file.body)).toBe('PUBLISH');
    // The same events as the invitation, so importing both gives one of each.
    expect(uids(file.body)).toEqual(memberUids);
    expect(file.body).not.toMatch(NOT_NEUTRAL);
    expect(file.body).not.toContain('ORGANIZER');
    const forFacilitator = await fetchIcs(facilitator, circle.id);
    expect(forFacilitator.status).toBe(200);
    expect(events(forFacilitator.body).map((e) => e.SUMMARY)).toEqual(Array(3).fill('SUMMARY:CARE ASN group session'));
    // In line, a stranger, an administrator: as if there were no such circle.
    for (const who of [third, people[4]!, admin]) expect((await fetchIcs(who, circle.id)).status).toBe(404);
    expect((await fetchIcs(null, circle.id)).status).toBe(401);
    expect((await fetchIcs(first, 'not-an-id')).status).toBe(404);
  });

  it('withdraws a leaver’s events with CANCEL and invites the person promoted from the line', async () => {
    const [first, , third] = people as [TestAccount, TestAccount, TestAccount];
    expect((await as(first).post(`/${circle.id}/leave`)).body.data).toEqual({ left: 'seat' });
    const [, cancel] = await waitForMails(first, 2);
    expect(cancel!.subject).toMatch(/^Sesi kelompok CARE ASN dihapus dari kalender Anda/);
    const ics = calendarOf(cancel!);
    expect(method(ics)).toBe('CANCEL');
    expect(uids(ics)).toEqual(memberUids);
    expect(events(ics).map((e) => `${e.STATUS} ${e.SEQUENCE}`)).toEqual(Array(3).fill('STATUS:CANCELLED SEQUENCE:1'));
    expectNeutral(cancel!);

    const [promoted] = await waitForMails(third, 1);
    const promotedIcs = calendarOf(promoted!);
    expect(method(promotedIcs)).toBe('REQUEST');
    expect(events(promotedIcs)).toHaveLength(3);
    expect(uids(promotedIcs).filter((uid) => memberUids.includes(uid))).toEqual([]);
    expectNeutral(promoted!);
    // The leaver's file is gone with the seat; the promoted person's is there.
    expect((await fetchIcs(first, circle.id)).status).toBe(404);
    expect(uids((await fetchIcs(third, circle.id)).body)).toEqual(uids(promotedIcs));
  });

  it('joining again gives fresh events, not the withdrawn ones', async () => {
    const [first] = people as [TestAccount];
    // The circle is full again: in line, nothing sent.
    expect((await as(first).post<EnrolResult>(`/${circle.id}/enrol`)).body.data?.status).toBe('waitlisted');
    await settle();
    expect(mailsTo(first)).toHaveLength(2);
    expect((await as(first).post(`/${circle.id}/leave`)).body.data).toEqual({ left: 'waitlist' });
    await settle();
    expect(mailsTo(first)).toHaveLength(2);
  });

  it('withdraws everyone’s events once when the facilitator cancels; nothing to those who left or waited', async () => {
    const [first, second, third, fourth] = people as [TestAccount, TestAccount, TestAccount, TestAccount];
    expect((await as(fourth).post<EnrolResult>(`/${circle.id}/enrol`)).body.data?.status).toBe('waitlisted');
    expect((await as(facilitator).post(`/${circle.id}/cancel`)).status).toBe(200);
    for (const who of [second, third]) {
      const [invite, cancel] = await waitForMails(who, 2);
      expect(cancel!.subject).toMatch(/^Sesi kelompok CARE ASN dibatalkan/);
      const ics = calendarOf(cancel!);
      expect(method(ics)).toBe('CANCEL');
      expect(uids(ics)).toEqual(uids(calendarOf(invite!)));
      expectNeutral(cancel!);
    }
    const [, facilitatorCancel] = await waitForMails(facilitator, 2);
    expect(facilitatorCancel!.subject).toMatch(/^CARE ASN group session cancelled/);
    expect(method(calendarOf(facilitatorCancel!))).toBe('CANCEL');
    // A member leaving the cancelled circle afterwards gets no second withdrawal.
    expect((await as(second).post(`/${circle.id}/leave`)).body.data).toEqual({ left: 'seat' });
    await settle();
    expect(mailsTo(second)).toHaveLength(2);
    expect(mailsTo(first)).toHaveLength(2);
    expect(mailsTo(fourth)).toEqual([]);
    // The file of a cancelled circle withdraws its events.
    const file = await fetchIcs(third, circle.id);
    expect(method(file.body)).toBe('CANCEL');
  });

  it('tries a refused invitation again, and still delivers it once', async () => {
    const before = mailsTo(facilitator).length;
    inbox.refuseNext(1);
    const again = await createCircle(t.url, facilitator, { topic: TOPIC });
    // The scheduler's pass picks up the failed attempt after its back-off.
    await inbox.waitFor(() => mailsTo(facilitator).length >= before + 1, 'the invitation after a retry');
    await t.platform.notifications.scheduler.idle();
    await settle();
    expect(inbox.refused()).toBe(1);
    expect(mailsTo(facilitator)).toHaveLength(before + 1);
    expect(method(calendarOf(mailsTo(facilitator).at(-1)!))).toBe('REQUEST');
    const claims = await t.platform.db.connection.collection('deliveries').find({ appointmentId: new Types.ObjectId(again.id) }).sort({ attempt: 1 }).toArray();
    expect(claims.map((c) => `${c.attempt}:${c.status}`)).toEqual(['1:retried', '2:sent']);
  });

  it('keeps claims of ids only, and logs no address or subject', async () => {
    const claims = await t.platform.db.connection.collection('deliveries').find({ appointmentId: new Types.ObjectId(circle.id) }).toArray();
    // Facilitator 2, first 2, second 2, third 2.
    expect(claims).toHaveLength(8);
    expect(claims.every((c) => c.kind === 'circle_invite' && c.status === 'sent' && c.attempt === 1)).toBe(true);
    // A member's claim names their seat; the facilitator's none.
    expect(claims.filter((c) => c.seatId === undefined).map((c) => c.recipientId.toString())).toEqual([facilitator.id, facilitator.id]);
    const stored = JSON.stringify(claims);
    for (const secret of [...Object.values(addressOf), TOPIC, 'CARE ASN']) expect(stored).not.toContain(secret);
    const logs = t.logs.join('\n');
    expect(logs).toContain('notification sent');
    for (const secret of [...Object.values(addressOf), 'Sesi kelompok CARE ASN', 'CARE ASN group session']) expect(logs).not.toContain(secret);
  });
});
