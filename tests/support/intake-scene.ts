import { demoAccounts } from '@care/server';
import type { CounselorGender, CounselorLanguage, Speciality } from '@care/shared';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { counselorWithProfile } from '../integration/programme/matching-app.js';
import type { TestAccount } from '../integration/scheduling/scheduling-app.js';
import type { BrowserHarness } from './browser-harness.js';

const [dewi] = demoAccounts;

/**
 * Two counselors to match between: the demo counselor (Indonesian, work
 * stress, a woman; two days' notice, so her first free time is later) saving
 * her profile from her own page, and a second one (Indonesian, family, a
 * man; an hour's notice, so he is free sooner).
 */
export async function intakeScene(h: BrowserHarness): Promise<{ other: TestAccount }> {
  const { page } = await h.signIn(dewi.email, dewi.password);
  await saveProfile(page, { languages: ['id', 'jv'], specialities: ['stres-kerja', 'kecemasan'], gender: 'female', minNoticeHours: 48 });
  await page.context().close();
  const other = await counselorWithProfile(h.t, 'intake-other', { languages: ['id'], specialities: ['keluarga'], gender: 'male' });
  return { other };
}

async function saveProfile(
  page: Page,
  profile: { languages: CounselorLanguage[]; specialities: Speciality[]; gender: CounselorGender; minNoticeHours: number },
): Promise<void> {
  const status = await page.evaluate(async (profile) => {
    const { data } = (await (await fetch('/api/auth/csrf')).json()) as { data: { token: string } };
    const weekly = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((weekday) => ({ weekday, start: '08:00', end: '17:00' }));
    const answer = await fetch('/api/scheduling/availability', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': data.token },
      body: JSON.stringify({ weekly, horizonDays: 30, ...profile }),
    });
    return answer.status;
  }, profile);
  expect(status).toBe(200);
}

export interface IntakeChoice {
  /** Option labels as the Indonesian page shows them. */
  language: string;
  gender: string;
  topic: string;
  urgency: string;
}

/** Answers the intake on "Mulai di sini" and waits for the ranked list. */
export async function answerIntake(page: Page, choice: IntakeChoice): Promise<void> {
  await page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name: 'Mulai di sini', exact: true }).click();
  await page.getByTestId('intake').waitFor();
  await page.getByTestId('intake-language').selectOption({ label: choice.language });
  await page.getByRole('group', { name: 'Anda lebih nyaman dengan konselor…' }).getByLabel(choice.gender, { exact: true }).check();
  await page.getByRole('group', { name: 'Apa yang paling ingin Anda bicarakan?' }).getByLabel(choice.topic, { exact: true }).check();
  await page.getByRole('group', { name: 'Seberapa mendesak?' }).getByLabel(choice.urgency, { exact: true }).check();
  await page.getByRole('button', { name: 'Tampilkan konselor' }).click();
  await page.getByTestId('match').first().waitFor();
}
