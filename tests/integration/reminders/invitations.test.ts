import { deliveryKey } from '@care/server';
import type { BookingView, CounselorSlotsView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type SchedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';
import { icsLines, icsValue, startSmtpInbox, type ReceivedMail, type SmtpInbox } from './smtp-inbox.js';

const HOUR = 3_600_000;
/** Words a neutral message never holds: the kind of help, a topic, a cancellation reason. */
const NOT_NEUTRAL = /konsel|counsel|psiko|psych|terapi|therap|topik|topic|alasan|reason|sakit|unwell|darurat|emergency/i;

let inbox: SmtpInbox;
let t: TestPlatform;
let counselor: TestAccount;
let asn: TestAccount;
let stranger: TestAccount;
let asAsn: SchedulingClient;
let asCounselor: SchedulingClient;
let asnAddress: string;
let counselorAddress: string;
let slots: string[];

beforeAll(async () => {
  inbox = await startSmtpInbox();
  t = await startTestPlatform({ SMTP_URL: inbox.url, MAIL_FROM: '"CARE ASN" <jadwal@care.test>', MAIL_RETRY_BASE_MS: '20', REMINDER_INTERVAL_MS: '100' });
  [counselor] = (await createAccounts(t, 'counselor', 1, 'inv-c')) as [TestAccount];
  [asn, stranger] = (await createAccounts(t, 'asn', 2, 'inv-a')) as [TestAccount, TestAccount];
  // The counselor reads English and lives in Papua (WIT); the ASN reads Indonesian in Jakarta (WIB).
  await t.platform.db.users.updateOne({ _id: counselor.id }, { $set: { locale: 'en', timeZone: 'Asia/Jayapura' } });
  asnAddress = (await t.platform.db.users.findById(asn.id).lean())!.email;
  counselorAddress = (await t.platform.db.users.findById(counselor.id).lean())!.email;
  asAsn = schedulingClient(t.url, asn.cookie);
  asCounselor = schedulingClient(t.url, counselor.cookie);
  expect((await asCounselor.put('/availability', { weekly: allWeek, minNoticeHours: 0, maxPerDay: 24 })).status).toBe(200);
  const answer = await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  slots = (answer.body.data?.slots ?? []).map((s) => s.startsAt).filter((s) => Date.parse(s) > Date.now() + 48 * HOUR);
  expect(slots.length).toBeGreaterThan(6);
});

afterAll(async () => {
  await t?.close();
  await inbox?.close();
});

const to = (address: string) => (mail: ReceivedMail) => mail.to === address;
const calendarOf = (mail: ReceivedMail) => {
  const part = mail.calendars.find((c) => /^text\/calendar/i.test(c.contentType));
  const attachment = mail.calendars.find((c) => c.filename?.endsWith('.ics'));
  expect(part, 'text/calendar part').toBeDefined();
  expect(attachment, '.ics attachment').toBeDefined();
  // The alternative and the attachment are the same calendar object.
  expect(attachment!.content).toBe(part!.content);
  return part!.content;
};

/** Waits until `count` more messages arrived (both people), and returns them by recipient. */
async function nextPair(before: number): Promise<{ forAsn: ReceivedMail; forCounselor: ReceivedMail }> {
  await inbox.waitFor((all) => all.length >= before + 2, 'two messages');
  await t.platform.notifications.service.idle();
  const fresh = inbox.received.slice(before);
  expect(fresh).toHaveLength(2);
  const forAsn = fresh.find(to(asnAddress));
  const forCounselor = fresh.find(to(counselorAddress));
  expect(forAsn).toBeDefined();
  expect(forCounselor).toBeDefined();
  return { forAsn: forAsn!, forCounselor: forCounselor!};
}

function expectPrivate(mail: ReceivedMail): void {
  const everything = `${mail.subject}\n${mail.text}\n${mail.calendars.map((c) => c.content).join('\n')}`;
  expect(everything).not.toMatch(NOT_NEUTRAL);
  for (const name of [asn.displayName, counselor.displayName]) expect(mail.raw).not.toContain(name);
  // Each person sees only their own address.
  const other = mail.to === asnAddress ? counselorAddress : asnAddress;
  expect(mail.raw).not.toContain(other);
}

describe('calendar invitations by email', () => {
  let bookingId: string;
  let uid: string;

  it('sends both people a neutral REQUEST in their own language and time zone when a session is booked', async () => {
    const before = inbox.received.length;
    const created = await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[0] });
    expect(created.status).toBe(201);
    bookingId = created.body.data!.id;
    const { forAsn, forCounselor } = await nextPair(before);

    expect(forAsn.subject).toMatch(/^Janji CARE ASN: \w+, \d{1,2} \w+ \d{4} pukul \d{2}\.\d{2} WIB$/);
    expect(forCounselor.subject).toMatch(/^CARE ASN appointment: .+ at \d{2}:\d{2} WIT$/);
    expect(forAsn.text).toContain(`${t.platform.url}/appointments`);

    const asnIcs = calendarOf(forAsn);
    const counselorIcs = calendarOf(forCounselor);
    expect(icsValue(asnIcs, 'METHOD')).toBe('REQUEST');
    expect(icsValue(asnIcs, 'SUMMARY')).toBe('Janji CARE ASN');
    expect(icsValue(counselorIcs, 'SUMMARY')).toBe('CARE ASN appointment');
    expect(icsValue(asnIcs, 'SEQUENCE')).toBe('0');
    uid = icsValue(asnIcs, 'UID')!;
    expect(icsValue(counselorIcs, 'UID')).toBe(uid);

    // The same instant, in each person's zone.
    const start = new Date(slots[0]!);
    const wall = (zone: string) => new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium' }).format(start).replace(/[-: ]/g, (c) => (c === ' ' ? 'T' : ''));
    expect(icsLines(asnIcs)).toContain(`DTSTART;TZID=Asia/Jakarta:${wall('Asia/Jakarta')}`);
    expect(icsLines(counselorIcs)).toContain(`DTSTART;TZID=Asia/Jayapura:${wall('Asia/Jayapura')}`);
    expect(asnIcs).toContain('TZOFFSETTO:+0700');
    expect(counselorIcs).toContain('TZOFFSETTO:+0900');

    expectPrivate(forAsn);
    expectPrivate(forCounselor);
  });

  it('moves the same event (same UID, SEQUENCE + 1) when the ASN reschedules', async () => {
    const before = inbox.received.length;
    const moved = await asAsn.post<BookingView>(`/bookings/${bookingId}/reschedule`, { startsAt: slots[1] });
    expect(moved.status).toBe(200);
    const oldId = bookingId;
    bookingId = moved.body.data!.id;
    const { forAsn, forCounselor } = await nextPair(before);
    expect(forAsn.subject).toMatch(/^Janji CARE ASN dipindahkan: /);
    expect(forCounselor.subject).toMatch(/^CARE ASN appointment moved: /);
    for (const mail of [forAsn, forCounselor]) {
      const ics = calendarOf(mail);
      expect(icsValue(ics, 'METHOD')).toBe('REQUEST');
      expect(icsValue(ics, 'UID')).toBe(uid);
      expect(icsValue(ics, 'SEQUENCE')).toBe('1');
      expectPrivate(mail);
    }
    // The moved-away booking has no event of its own to download any more.
    expect((await fetchIcs(asn, oldId)).status).toBe(409);
  });

  it('withdraws it with METHOD:CANCEL when the counselor cancels, without the reason', async () => {
    const before = inbox.received.length;
    expect((await asCounselor.post(`/bookings/${bookingId}/cancel`, { reason: 'counselor_unwell' })).status).toBe(200);
    const { forAsn, forCounselor } = await nextPair(before);
    expect(forAsn.subject).toMatch(/^Janji CARE ASN dibatalkan: /);
    for (const mail of [forAsn, forCounselor]) {
      const ics = calendarOf(mail);
      expect(icsValue(ics, 'METHOD')).toBe('CANCEL');
      expect(icsValue(ics, 'STATUS')).toBe('CANCELLED');
      expect(icsValue(ics, 'UID')).toBe(uid);
      expect(icsValue(ics, 'SEQUENCE')).toBe('2');
      expectPrivate(mail);
    }
  });

  it('sent each invitation exactly once', () => {
    const mine = inbox.received.filter((m) => m.calendars.some((c) => c.content.includes(uid)));
    expect(mine).toHaveLength(6);
    const seen = mine.map((m) => `${m.to} ${icsValue(calendarOf(m), 'SEQUENCE')}`);
    expect(new Set(seen).size).toBe(6);
  });

  it('serves the calendar file to the two people only', async () => {
    const created = await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[2] });
    const id = created.body.data!.id;
    const forAsn = await fetchIcs(asn, id);
    expect(forAsn.status).toBe(200);
    expect(forAsn.type).toMatch(/^text\/calendar/);
    expect(forAsn.disposition).toBe('attachment; filename="janji-care-asn.ics"');
    expect(icsValue(forAsn.body, 'METHOD')).toBe('PUBLISH');
    expect(icsValue(forAsn.body, 'SUMMARY')).toBe('Janji CARE ASN');
    expect(forAsn.body).not.toMatch(NOT_NEUTRAL);
    const forCounselor = await fetchIcs(counselor, id);
    expect(forCounselor.status).toBe(200);
    expect(icsValue(forCounselor.body, 'SUMMARY')).toBe('CARE ASN appointment');
    expect(forCounselor.body).toContain('TZID=Asia/Jayapura');
    // Anyone else: as if it did not exist.
    expect((await fetchIcs(stranger, id)).status).toBe(404);
    expect((await fetchIcs(null, id)).status).toBe(401);
    expect((await fetchIcs(asn, 'not-an-id')).status).toBe(400);
    // Cancelled: the file withdraws it.
    await asAsn.post(`/bookings/${id}/cancel`, {});
    const cancelled = await fetchIcs(asn, id);
    expect(icsValue(cancelled.body, 'METHOD')).toBe('CANCEL');
    expect(icsValue(cancelled.body, 'STATUS')).toBe('CANCELLED');
    await t.platform.notifications.service.idle();
  });

  it('tries a refused email again, and still delivers it once', async () => {
    const before = inbox.received.length;
    inbox.refuseNext(1);
    const created = await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[3] });
    const id = created.body.data!.id;
    // The scheduler's pass picks up the failed attempt after its back-off.
    await inbox.waitFor((all) => all.slice(before).filter((m) => m.calendars.length > 0).length >= 2, 'both invitations after a retry');
    await t.platform.notifications.service.idle();
    await t.platform.notifications.scheduler.idle();
    expect(inbox.refused()).toBe(1);
    const fresh = inbox.received.slice(before);
    expect(fresh.filter(to(asnAddress))).toHaveLength(1);
    expect(fresh.filter(to(counselorAddress))).toHaveLength(1);
    const ledger = t.platform.notifications.ledger;
    const attempts = await Promise.all(
      [asn.id, counselor.id].map((recipientId) =>
        ledger.attempts(deliveryKey({ appointmentId: id, recipientId, kind: 'invite', detail: 'booked', sequence: 0, channel: 'email' })),
      ),
    );
    expect(attempts.map((a) => a.map((x) => x.status)).sort()).toEqual([['retried', 'sent'], ['sent']]);
  });

  it('keeps claims of ids, kinds and times only: no address, no text', async () => {
    const claims = await t.platform.db.connection.collection('deliveries').find({}).toArray();
    expect(claims.length).toBeGreaterThan(0);
    const allowed = ['_id', 'key', 'attempt', 'appointmentId', 'recipientId', 'kind', 'detail', 'sequence', 'channel', 'seatId', 'status', 'claimedAt', 'settledAt', 'retryAt'];
    for (const claim of claims) expect(allowed).toEqual(expect.arrayContaining(Object.keys(claim)));
    const stored = JSON.stringify(claims);
    for (const secret of [asnAddress, counselorAddress, asn.displayName, counselor.displayName, 'CARE ASN']) expect(stored).not.toContain(secret);
  });

  it('never logs an address or a subject', () => {
    const logs = t.logs.join('\n');
    expect(logs).toContain('notification sent');
    for (const secret of [asnAddress, counselorAddress, 'Janji CARE ASN', 'CARE ASN appointment']) expect(logs).not.toContain(secret);
  });
});

async function fetchIcs(who: TestAccount | null, id: string): Promise<{ status: number; type: string; disposition: string; body: string }> {
  const response = await fetch(`${t.url}/api/scheduling/bookings/${id}/calendar.ics`, { headers: who ? { cookie: who.cookie } : {} });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    disposition: response.headers.get('content-disposition') ?? '',
    body: await response.text(),
  };
}
