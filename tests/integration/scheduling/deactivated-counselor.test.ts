import { demoAccounts } from '@care/server';
import type { BookingView, CounselorSlotsView, CounselorSummary } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../accounts/accounts-app.js';
import { login, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type SchedulingClient, type TestAccount } from './scheduling-app.js';

/* A deactivated counselor is neither listed nor bookable; reactivated, they are both again. */

let t: TestPlatform;
let counselor: TestAccount;
let asAsn: SchedulingClient;
const setActive = async (active: boolean) => {
  const admin = apiClient(t.url, await login(t.url, demoAccounts[2].email, demoAccounts[2].password));
  expect((await admin.post(`/admin/users/${counselor.id}/active`, { active })).status).toBe(200);
};
const listed = async () => ((await asAsn.get<CounselorSummary[]>('/counselors')).body.data ?? []).some((c) => c.id === counselor.id);
const slots = () => asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
/** Free slots beyond the change cut-off, so a booking there could still be moved. */
const laterSlots = async () => ((await slots()).body.data?.slots ?? []).filter((s) => Date.parse(s.startsAt) > Date.now() + 3 * 86_400_000);

beforeAll(async () => {
  t = await startTestPlatform();
  [counselor] = (await createAccounts(t, 'counselor', 1, 'deactivated-counselor')) as [TestAccount];
  const [asn] = (await createAccounts(t, 'asn', 1, 'deactivated-asn')) as [TestAccount];
  asAsn = schedulingClient(t.url, asn.cookie);
  expect((await schedulingClient(t.url, counselor.cookie).put('/availability', { weekly: allWeek, minNoticeHours: 1 })).status).toBe(200);
});
afterAll(() => t?.close());

describe('a deactivated counselor', () => {
  it('is listed and bookable while active', async () => {
    expect(await listed()).toBe(true);
    const free = await laterSlots();
    expect(free.length).toBeGreaterThan(2);
    expect((await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: free[0]!.startsAt })).status).toBe(201);
  });

  it('is neither listed nor bookable once deactivated, not even by a known id or an existing booking', async () => {
    const free = await laterSlots();
    const booking = (await asAsn.get<BookingView[]>('/bookings')).body.data!.find((b) => b.counselor.id === counselor.id)!;
    await setActive(false);

    expect(await listed()).toBe(false);
    const noSlots = await slots();
    expect([noSlots.status, noSlots.body.error?.code]).toEqual([404, 'not_found']);
    const refused = await asAsn.post('/bookings', { counselorId: counselor.id, startsAt: free[1]!.startsAt });
    expect([refused.status, refused.body.error?.code]).toEqual([404, 'not_found']);
    const moved = await asAsn.post(`/bookings/${booking.id}/reschedule`, { startsAt: free[2]!.startsAt });
    expect([moved.status, moved.body.error?.code]).toEqual([404, 'not_found']);
    expect(await t.platform.db.appointments.countDocuments({ counselorId: counselor.id })).toBe(1);
  });

  it('is listed and bookable again once reactivated', async () => {
    await setActive(true);
    expect(await listed()).toBe(true);
    const free = (await slots()).body.data!.slots;
    expect((await asAsn.post('/bookings', { counselorId: counselor.id, startsAt: free.at(-1)!.startsAt })).status).toBe(201);
  });
});
