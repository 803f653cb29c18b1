import { demoAccounts } from '@care/server';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { collectionHaystacks, filesBelow, findLeaks, needleForms, redisHaystacks, type Haystack } from '../support/byte-search.js';
import { openSession, seriousViolations } from '../support/session-flow.js';

const [counselor, asn] = demoAccounts;
let h: BrowserHarness;
let client: Page;
const socketTraffic: Haystack[] = [];

// WHO-5 answers in item order, chosen to be distinctive: the canary is this pattern as the device stores it.
const FIRST = [5, 0, 4, 1, 3]; // raw 13 → 52 %
const SECOND = [5, 5, 4, 5, 5]; // raw 24 → 96 %
const WHO5_LABELS: Record<number, string> = {
  5: 'Sepanjang waktu',
  4: 'Sebagian besar waktu',
  3: 'Lebih dari separuh waktu',
  2: 'Kurang dari separuh waktu',
  1: 'Sesekali',
  0: 'Tidak pernah',
};
const PHQ_LABELS: Record<number, string> = { 0: 'Tidak sama sekali', 1: 'Beberapa hari', 2: 'Lebih dari separuh hari', 3: 'Hampir setiap hari' };

beforeAll(async () => {
  h = await BrowserHarness.start({ LOG_LEVEL: 'debug' });
  h.t.platform.io.engine.on('connection', (raw: { on(event: string, listener: (packet: { data?: unknown }) => void): void }) => {
    const record = (packet: { data?: unknown }) => {
      if (typeof packet.data === 'string' || packet.data instanceof Uint8Array) socketTraffic.push({ label: 'socket.io traffic', bytes: Buffer.from(packet.data) });
    };
    raw.on('packet', record);
    raw.on('packetCreate', record);
  });
});
afterAll(async () => {
  await h?.close();
});

function navLink(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name, exact: true });
}

/** Axe on the check-in panel alone: the whole session page (live video) is checked by the session tests. */
async function panelViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).include('[data-testid="session-checkins"]').analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

async function fillIn(page: Page, answers: number[], labels: Record<number, string>): Promise<void> {
  const questions = page.getByTestId('checkin-question');
  for (const [q, value] of answers.entries()) await questions.nth(q).getByLabel(labels[value] as string, { exact: true }).check();
}

describe('check-ins on the device, in Indonesian', () => {
  it('a WHO-5 at intake from the reminder, scored on the device, a second one, the trend as a chart and a table, the opt-in evaluation', { timeout: 600_000 }, async () => {
    ({ page: client } = await h.signIn(asn.email, asn.password));
    // Generous waits: this machine's cores are shared with other test runs (never a timed assertion).
    client.setDefaultTimeout(120_000);
    await navLink(client, 'Konselor saya').click();
    // Computed on the device: no check-in yet, so one is due.
    await client.getByTestId('checkin-due-reminder').waitFor();
    expect(await seriousViolations(client)).toEqual([]);
    await client.getByRole('link', { name: 'Isi check-in' }).click();
    await client.getByRole('heading', { name: 'Check-in kesejahteraan' }).waitFor();
    await client.getByTestId('checkin-due').waitFor();
    expect(await seriousViolations(client)).toEqual([]);
    // PHQ-9 and GAD-7 wait for the counselor's suggestion.
    expect(await client.getByTestId('start-phq9').count()).toBe(0);

    await client.getByTestId('start-who5').click();
    await client.getByTestId('checkin-form').waitFor();
    expect(await client.getByTestId('checkin-source').textContent()).toContain('BELUM versi terjemahan tervalidasi');
    expect(await client.getByTestId('checkin-submit').isDisabled()).toBe(true);
    await fillIn(client, FIRST, WHO5_LABELS);
    expect(await seriousViolations(client)).toEqual([]);
    await client.getByTestId('checkin-submit').click();
    await client.getByTestId('checkin-latest').filter({ hasText: '52 %' }).waitFor();
    expect(await client.getByTestId('checkin-latest').textContent()).toContain('kesejahteraan baik');
    await client.getByTestId('checkin-notice').filter({ hasText: 'Tersimpan di perangkat ini' }).waitFor();

    await client.getByTestId('start-who5').click();
    await fillIn(client, SECOND, WHO5_LABELS);
    await client.getByTestId('checkin-submit').click();
    await client.getByTestId('checkin-latest').filter({ hasText: '96 %' }).waitFor();

    // The trend: an SVG with its title and description, and the same in a table.
    const chart = client.getByTestId('trend-who5');
    await chart.waitFor();
    expect(await chart.locator('svg[role="img"] circle').count()).toBe(2);
    expect(await chart.locator('svg title').textContent()).toBe('Grafik Kesejahteraan (WHO-5)');
    const rows = client.getByTestId('trend-table-who5').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('52 %');
    expect(await rows.nth(1).textContent()).toContain('96 %');
    expect(await seriousViolations(client)).toEqual([]);

    // Still there after a reload: kept in the device vault.
    await client.reload();
    await client.getByTestId('trend-table-who5').locator('tbody tr').nth(1).waitFor();
    expect(await client.getByTestId('checkin-due').count()).toBe(0);

    // The opt-in evaluation: first 52, last 96, so "membaik"; only the category goes.
    const evaluation = client.getByTestId('evaluation');
    expect(await evaluation.textContent()).toContain('Yang akan dikirim: membaik');
    const contributions = h.t.platform.db.connection.collection('evaluation_contributions');
    const before = await contributions.countDocuments({ unit: 'DEMO', change: 'improved' });
    await client.getByTestId('evaluation-send').click();
    await client.getByTestId('evaluation-done').waitFor();
    expect(await contributions.countDocuments({ unit: 'DEMO', change: 'improved' })).toBe(before + 1);
    await client.reload();
    await client.getByTestId('evaluation-done').waitFor();
  });

  it('in the session the counselor suggests PHQ-9 and the ASN shows one WHO-5 result, end to end encrypted', { timeout: 900_000 }, async () => {
    const { page: host } = await h.signIn(counselor.email, counselor.password);
    host.setDefaultTimeout(120_000);
    await openSession(host);
    await navLink(client, 'Sesi konseling').click();
    await openSession(client);
    await host.getByTestId('admit').click();
    await client.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 240_000 });
    await host.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 240_000 });

    await host.getByTestId('session-checkins').locator('summary').click();
    await host.getByTestId('suggest-phq9').click();
    await host.getByText('Saran terkirim.').waitFor();
    await client.getByTestId('session-checkins').locator('summary').click();
    await client.getByTestId('checkin-suggested').filter({ hasText: 'PHQ-9' }).waitFor();

    // One result, chosen by the person: the latest (96 %) is listed first.
    const shareable = client.getByTestId('checkin-shareable');
    expect(await shareable.count()).toBe(2);
    await shareable.first().getByTestId('checkin-share').click();
    await shareable.first().getByTestId('checkin-shared').waitFor();
    const received = host.getByTestId('checkin-received');
    await received.waitFor();
    expect(await received.locator('li').count()).toBe(1);
    expect(await received.textContent()).toContain('96 %');
    expect(await received.textContent()).toContain('kesejahteraan baik');
    expect(await panelViolations(client)).toEqual([]);
    expect(await panelViolations(host)).toEqual([]);
    await host.close();
  });

  it('PHQ-9 item 9 above "not at all" shows the crisis panel at once, with no request to the server', { timeout: 600_000 }, async () => {
    // Everything the page sends from the moment item 9 is answered: HTTP requests, and frames on its socket
    // (the layout's; Engine.IO's pong "3" answers the server's ping whatever the page does, so it is let through).
    let listening = false;
    const requests: string[] = [];
    const frames: string[] = [];
    client.on('request', (request) => {
      if (listening) requests.push(request.url());
    });
    client.on('websocket', (ws) =>
      ws.on('framesent', (frame) => {
        if (listening && frame.payload !== '3') frames.push(String(frame.payload));
      }),
    );
    await client.goto('/check-in');
    // The counselor's suggestion was kept on the device.
    await client.getByTestId('start-phq9').click();
    await client.getByTestId('checkin-form').waitFor();
    await fillIn(client, [1, 0, 1, 0, 0, 1, 0, 0], PHQ_LABELS);
    // Let anything the page was still doing finish before listening.
    await client.waitForLoadState('networkidle');
    listening = true;
    await client.getByTestId('checkin-question').nth(8).getByLabel('Beberapa hari', { exact: true }).check();
    const crisis = client.getByTestId('checkin-crisis');
    await crisis.waitFor();
    expect(await crisis.getAttribute('role')).toBe('alert');
    expect(await crisis.textContent()).toContain('Anda tidak sendiri');
    // The existing help panel, opened, with the lines it already had.
    expect(await crisis.getByTestId('help-panel').getAttribute('open')).not.toBeNull();
    expect(await crisis.getByTestId('help-lines').textContent()).toContain('119');
    expect(await seriousViolations(client)).toEqual([]);
    expect(requests).toEqual([]);
    expect(frames).toEqual([]);

    // Scoring and keeping it ask the server nothing either.
    await client.getByTestId('checkin-submit').click();
    await client.getByTestId('checkin-latest').filter({ hasText: '4 / 27' }).waitFor();
    expect(await client.getByTestId('checkin-latest').textContent()).toContain('minimal');
    expect(requests).toEqual([]);
    expect(frames).toEqual([]);
  });

  it('canary: the check-in answers appear nowhere on the server side (traffic, logs, Redis, database and its files)', { timeout: 300_000 }, async () => {
    const needles = [FIRST, SECOND].flatMap((answers, i) => [
      ...needleForms(`WHO-5 answers ${i + 1} (JSON)`, new TextEncoder().encode(JSON.stringify(answers))),
      ...needleForms(`WHO-5 answers ${i + 1} (stored)`, new TextEncoder().encode(`"answers":${JSON.stringify(answers)}`)),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const t = h.t;
    const haystacks: Haystack[] = [...socketTraffic];
    expect(socketTraffic.length).toBeGreaterThan(20);
    haystacks.push({ label: 'server logs', bytes: Buffer.from(t.logs.join('')) });
    haystacks.push(...(await redisHaystacks(t.platform.redis)));
    const db = t.platform.db.connection.db;
    if (!db) throw new Error('no database handle');
    haystacks.push(...(await collectionHaystacks(db)));
    for (const dir of inject('databaseDirs')) haystacks.push(...filesBelow(dir));
    // Positive control: the search finds what is stored (the contribution's category in its collection).
    const control = findLeaks(needleForms('stored category', new TextEncoder().encode('improved')).slice(0, 1), haystacks);
    expect(control.some((hit) => hit.includes('evaluation_contributions'))).toBe(true);
    expect(findLeaks(needles, haystacks)).toEqual([]);
  });
});
