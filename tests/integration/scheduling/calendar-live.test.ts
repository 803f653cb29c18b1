import type { BookingView, CounselorSlotsView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type TestAccount } from './scheduling-app.js';

let t: TestPlatform;
let counselor: TestAccount;
let asn: TestAccount;
let counselorSocket: TestSocket;

beforeAll(async () => {
  t = await startTestPlatform();
  [counselor] = (await createAccounts(t, 'counselor', 1, 'live-counselor')) as [TestAccount];
  [asn] = (await createAccounts(t, 'asn', 1, 'live-asn')) as [TestAccount];
  expect((await schedulingClient(t.url, counselor.cookie).put('/availability', { weekly: allWeek, minNoticeHours: 0, maxPerDay: 24 })).status).toBe(200);
  counselorSocket = await connect(t.url, counselor.cookie);
});

afterAll(async () => {
  counselorSocket?.close();
  await t?.close();
});

describe('live calendar', () => {
  it('tells the counselor at once when a client books and cancels', async () => {
    const asAsn = schedulingClient(t.url, asn.cookie);
    const slots = await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
    const startsAt = slots.body.data?.slots.map((s) => s.startsAt).find((s) => Date.parse(s) > Date.now() + 48 * 3600_000);
    expect(startsAt).toBeDefined();

    const booked = nextEvent<{ bookingId: string; change: string }>(counselorSocket, 'calendar:changed');
    const created = await asAsn.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt });
    expect(created.status).toBe(201);
    expect(await booked).toEqual({ bookingId: created.body.data?.id, change: 'booked' });

    const cancelled = nextEvent<{ change: string }>(counselorSocket, 'calendar:changed');
    expect((await asAsn.post(`/bookings/${created.body.data?.id}/cancel`, {})).status).toBe(200);
    expect((await cancelled).change).toBe('cancelled');
  });
});
