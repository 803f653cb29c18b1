import { OutboxList, type BookingView, type CounselorSlotsView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';
import { icsValue } from './smtp-inbox.js';

const HOUR = 3_600_000;

let clockMs: number | null = null;
let t: TestPlatform;
let counselor: TestAccount;
let asn: TestAccount;
let stranger: TestAccount;

beforeAll(async () => {
  // No SMTP_URL, not production: the embedded dev default.
  // The loop runs once at start and then rarely: this test drives the passes itself.
  t = await startTestPlatform({ REMINDER_INTERVAL_MS: '600000' }, { reminderClock: () => new Date(clockMs ?? Date.now()) });
  [counselor] = (await createAccounts(t, 'counselor', 1, 'outbox-c')) as [TestAccount];
  [asn, stranger] = (await createAccounts(t, 'asn', 2, 'outbox-a')) as [TestAccount, TestAccount];
  expect((await schedulingClient(t.url, counselor.cookie).put('/availability', { weekly: allWeek, minNoticeHours: 0, maxPerDay: 24 })).status).toBe(200);
});

afterAll(async () => {
  await t?.close();
});

async function outbox(who: TestAccount | null): Promise<{ status: number; mails: OutboxList }> {
  const response = await fetch(`${t.url}/api/dev/outbox`, { headers: who ? { cookie: who.cookie } : {} });
  const body = (await response.json()) as { ok: boolean; data?: unknown };
  return { status: response.status, mails: body.ok ? OutboxList.parse(body.data) : [] };
}

describe('dev outbox (no SMTP_URL)', () => {
  it('shows each person the invitation sent to them, and no one else', async () => {
    const asAsn = schedulingClient(t.url, asn.cookie);
    const slots = await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
    const startsAt = slots.body.data!.slots.map((s) => s.startsAt).find((s) => Date.parse(s) > Date.now() + 48 * HOUR)!;
    const booked = (await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt })).body.data!;
    await t.platform.notifications.service.idle();

    const mine = await outbox(asn);
    expect(mine.status).toBe(200);
    expect(mine.mails).toHaveLength(1);
    const [mail] = mine.mails;
    expect(mail!.subject).toMatch(/^Janji CARE ASN: /);
    expect(mail!.text).toContain(`${t.platform.url}/appointments`);
    expect(mail!.calendar?.method).toBe('REQUEST');
    expect(icsValue(mail!.calendar!.content, 'SUMMARY')).toBe('Janji CARE ASN');

    const theirs = await outbox(counselor);
    expect(theirs.mails).toHaveLength(1);
    expect(theirs.mails[0]!.id).not.toBe(mail!.id);
    expect((await outbox(stranger)).mails).toEqual([]);
    expect((await outbox(null)).status).toBe(401);

    // A reminder lands there too, newest first.
    clockMs = Date.parse(booked.startsAt) - 24 * HOUR + 60_000;
    await t.platform.notifications.scheduler.idle();
    await t.platform.notifications.scheduler.tick();
    const after = await outbox(asn);
    expect(after.mails.map((m) => m.subject.split(':')[0])).toEqual(['Pengingat', 'Janji CARE ASN']);
    expect(after.mails[0]!.calendar).toBeNull();
  });
});
