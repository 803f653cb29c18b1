import type { CounselorSlotsView } from '@care/shared';
import { expect } from 'vitest';
import type { TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';

export const programmeClient = (t: TestPlatform, who: TestAccount) => schedulingClient(t.url, who.cookie, '/api/programme');
export const bookingClient = (t: TestPlatform, who: TestAccount) => schedulingClient(t.url, who.cookie);

/** The programme year of an instant, as the server reckons it: the calendar year in WIB (UTC+7 all year). */
export const programmeYear = (iso: string) => new Date(Date.parse(iso) + 7 * 3_600_000).getUTCFullYear();

/**
 * A counselor taking 30-minute sessions all day, every day, up to 24 a day,
 * and their free slots at least two days ahead (past the change cut-off), all
 * in the programme year of the first of them.
 */
export async function counselorWithSlots(t: TestPlatform, prefix: string): Promise<{ counselor: TestAccount; slots: string[] }> {
  const [counselor] = (await createAccounts(t, 'counselor', 1, prefix)) as [TestAccount];
  const saved = await bookingClient(t, counselor).put('/availability', {
    timeZone: 'Asia/Jakarta',
    weekly: allWeek,
    sessionMinutes: 30,
    bufferMinutes: 0,
    maxPerDay: 24,
    minNoticeHours: 1,
    horizonDays: 28,
  });
  expect(saved.status).toBe(200);
  const listed = await bookingClient(t, counselor).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  const later = (listed.body.data?.slots ?? []).map((s) => s.startsAt).filter((s) => Date.parse(s) > Date.now() + 2 * 86_400_000);
  const year = programmeYear(later[0] ?? '');
  return { counselor, slots: later.filter((s) => programmeYear(s) === year) };
}

/** A session of this pair that began a week ago (written as the booking of a past session would have left it). */
export async function pastSession(t: TestPlatform, counselor: TestAccount, client: TestAccount, daysAgo = 7): Promise<void> {
  const startsAt = new Date(Date.now() - daysAgo * 86_400_000);
  await t.platform.db.appointments.create({
    counselorId: counselor.id,
    clientId: client.id,
    startsAt,
    endsAt: new Date(startsAt.getTime() + 30 * 60_000),
    roomId: `past-${counselor.id}-${client.id}-${daysAgo}`,
    status: 'completed',
  });
}
