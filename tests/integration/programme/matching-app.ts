import type { CounselorGender, CounselorLanguage, Speciality } from '@care/shared';
import { expect } from 'vitest';
import type { TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { bookingClient } from './programme-app.js';

export interface CounselorProfileSpec {
  languages: CounselorLanguage[];
  specialities: Speciality[];
  gender: CounselorGender | null;
  /** Whether they take sessions at all (no hours: no free times). */
  open?: boolean;
}

/** A counselor who saved this profile from their own availability page (all week open unless `open: false`). */
export async function counselorWithProfile(t: TestPlatform, prefix: string, profile: CounselorProfileSpec): Promise<TestAccount> {
  const [counselor] = (await createAccounts(t, 'counselor', 1, prefix)) as [TestAccount];
  const saved = await bookingClient(t, counselor).put('/availability', {
    timeZone: 'Asia/Jakarta',
    weekly: profile.open === false ? [] : allWeek,
    sessionMinutes: 30,
    bufferMinutes: 0,
    maxPerDay: 24,
    minNoticeHours: 1,
    horizonDays: 28,
    languages: profile.languages,
    specialities: profile.specialities,
    gender: profile.gender,
  });
  expect(saved.status).toBe(200);
  return counselor;
}
