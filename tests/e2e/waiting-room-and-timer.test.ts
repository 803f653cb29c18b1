import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { openSessionById, seriousViolations } from '../support/session-flow.js';
import { ask, connect, login } from '../support/test-platform.js';

/*
 * Two things a person sees while waiting for, and during, a session: the
 * counselor's presence in the lobby (busy in another session, then free),
 * and the session timer's gentle notices at 10 and at 5 minutes before the end.
 */
const [counselor, asn] = demoAccounts;
let h: BrowserHarness;
let appointmentId: string;
let meetingId: string;

beforeAll(async () => {
  h = await BrowserHarness.start();
  const db = h.t.platform.db.connection;
  appointmentId = String((await db.collection('appointments').findOne({}))?._id);
  meetingId = String((await db.collection('circle_meetings').findOne({}))?._id);
});

afterAll(async () => {
  await h?.close();
});

describe('the lobby shows when the counselor is still in another session', () => {
  it('in a session while the counselor facilitates a circle, online once they leave it, online while they wait in this room', async () => {
    const { page } = await h.signIn(asn.email, asn.password);
    const counselorCookie = await login(h.t.url, counselor.email, counselor.password);
    // The counselor's other session: they facilitate the circle's meeting (a real connection of theirs).
    const elsewhere = await connect(h.t.url, counselorCookie);
    try {
      expect(((await ask(elsewhere, 'room:join', { sessionId: meetingId })) as { ok: boolean }).ok).toBe(true);
      await openSessionById(page, appointmentId);
      await page.getByTestId('lobby').waitFor();
      const presence = page.getByTestId('counselor-presence');
      await page.locator('[data-testid="counselor-presence"][data-status="in_session"]').waitFor();
      expect(await presence.textContent()).toContain('sedang dalam sesi lain');
      expect(await seriousViolations(page)).toEqual([]);

      await ask(elsewhere, 'room:leave', {});
      await page.locator('[data-testid="counselor-presence"][data-status="online"]').waitFor();
      expect(await presence.textContent()).toContain('sudah daring');

      // The counselor opens this very session: to its client they are online, not busy.
      const host = await h.signIn(counselor.email, counselor.password);
      await openSessionById(host.page, appointmentId);
      await host.page.getByTestId('admit').waitFor();
      expect(await page.getByTestId('counselor-presence').getAttribute('data-status')).toBe('online');
      await host.context.close();
    } finally {
      elsewhere.close();
    }
  });
});

/** The timer's line and its notice, read together. */
async function timerState(page: Page): Promise<{ timer: string; notice: string }> {
  const timer = (await page.getByTestId('session-timer').textContent()) ?? '';
  const notice = (await page.getByTestId('session-timer-notice').textContent()) ?? '';
  return { timer: timer.trim(), notice: notice.trim() };
}

function minutesIn(timer: string): number {
  const match = /^Sisa waktu sesi: (\d+) menit$/.exec(timer);
  if (!match) throw new Error(`unexpected timer text: ${timer}`);
  return Number(match[1]);
}

describe('the session timer', () => {
  it('says nothing with more than 10 minutes left, then "10 minutes"; and "5 minutes" as the end nears', async () => {
    // Short sessions: the 1:1 ends 10¼ minutes from now, the circle meeting 5¼ (opening both pages takes about two
    // seconds here, well inside the quarter minute before each crosses its line).
    const db = h.t.platform.db.connection;
    const now = Date.now();
    await db.collection('appointments').updateOne({}, { $set: { endsAt: new Date(now + 10.25 * 60_000) } });
    await db.collection('circle_meetings').updateOne({}, { $set: { endsAt: new Date(now + 5.25 * 60_000) } });

    // The counselor in both, in two windows (a room each).
    const oneToOne = await h.signIn(counselor.email, counselor.password);
    await openSessionById(oneToOne.page, appointmentId);
    const circle = await h.signIn(counselor.email, counselor.password);
    await openSessionById(circle.page, meetingId);
    await oneToOne.page.getByTestId('session-timer').filter({ hasText: 'menit' }).waitFor();
    await circle.page.getByTestId('session-timer').filter({ hasText: 'menit' }).waitFor();

    // Whatever the pages' load took, each is still above its line: 11 minutes left, and 6.
    const early = await timerState(oneToOne.page);
    expect(minutesIn(early.timer)).toBeGreaterThan(10);
    expect(early.notice).toBe('');
    const nearer = await timerState(circle.page);
    expect(minutesIn(nearer.timer)).toBeGreaterThan(5);
    expect(minutesIn(nearer.timer)).toBeLessThanOrEqual(10);
    expect(nearer.notice).toBe('Sesi akan berakhir dalam 10 menit.');

    // Time passes until each crosses its line (the timer wakes as its minute changes, and every 15 s at least).
    await oneToOne.page.getByTestId('session-timer-notice').filter({ hasText: 'Sesi akan berakhir dalam 10 menit.' }).waitFor({ timeout: 150_000 });
    expect((await timerState(oneToOne.page)).timer).toBe('Sisa waktu sesi: 10 menit');
    await circle.page.getByTestId('session-timer-notice').filter({ hasText: 'Sesi akan berakhir dalam 5 menit.' }).waitFor({ timeout: 150_000 });
    expect((await timerState(circle.page)).timer).toBe('Sisa waktu sesi: 5 menit');
    expect(await seriousViolations(circle.page)).toEqual([]);
  }, 240_000);
});
