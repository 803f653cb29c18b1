import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';
import { connect, login, type TestSocket } from '../support/test-platform.js';

/*
 * A person who already holds as many connections as they may (other windows)
 * opens a session page: the page says so calmly, keeps trying, and carries
 * on by itself once a place is free.
 */

const [, asn] = demoAccounts;
const CAP = 2;
let h: BrowserHarness;
const elsewhere: TestSocket[] = [];

beforeAll(async () => {
  h = await BrowserHarness.start({ SOCKETS_PER_USER: String(CAP) });
});

afterAll(async () => {
  for (const socket of elsewhere) socket.close();
  await h?.close();
});

describe('too many windows open', () => {
  it('the session page says so, and connects once another window closes', async () => {
    // Other windows hold every place the person has.
    const cookie = await login(h.t.url, asn.email, asn.password);
    for (let i = 0; i < CAP; i++) elsewhere.push(await connect(h.t.url, cookie));
    const { page } = await h.signIn(asn.email, asn.password);
    const appointment = await h.t.platform.db.appointments.findOne({});

    await page.goto(`/session/${String(appointment?._id)}`);
    const notice = page.getByTestId('too-many-connections');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.getAttribute('role')).toBe('status');
    expect(await notice.textContent()).toContain('Terlalu banyak jendela CARE ASN');
    expect(await seriousViolations(page)).toEqual([]);

    for (const socket of elsewhere.splice(0)) socket.close();
    // The page tries again by itself: the notice goes and the session's first step is there.
    await notice.waitFor({ state: 'detached', timeout: 60_000 });
    await page.getByTestId('consent-accept').or(page.getByTestId('devices-ready')).waitFor({ timeout: 30_000 });
    await expect.poll(() => h.t.platform.io.sockets.sockets.size, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
