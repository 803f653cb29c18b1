import { randomUUID } from 'node:crypto';
import { demoAccounts } from '@care/server';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { findLeaks, needleForms, type Haystack } from '../support/byte-search.js';
import { recordServerTraffic, serverSideHaystacks } from '../support/server-side-haystacks.js';

/*
 * The server (or whoever holds it) never holds the improvement plan, in any
 * form: a plan text typed by the client and a step typed by the counselor in
 * a real 1:1 session appear in the other browser and nowhere on the server
 * side — not in Redis keys or values, not in the database (through the
 * driver, and in PostgreSQL's own files), not in the server's logs (at debug
 * level) or metrics, not in the Socket.IO traffic as the server saw it nor
 * as each page sent and received it.
 */

const [counselor] = demoAccounts;
const planCanary = `Kanari rencana ${randomUUID()}`;
const stepCanary = `Kanari langkah ${randomUUID()}`;
let h: BrowserHarness;
const serverTraffic: Haystack[] = [];
const pageTraffic: Haystack[] = [];

/** Every WebSocket frame the signed-in page sends and receives from here on (the page reloads after this). */
async function recordFrames(context: BrowserContext): Promise<void> {
  for (const page of context.pages()) {
    page.on('websocket', (socket) => {
      const record = (frame: { payload: string | Buffer }) => pageTraffic.push({ label: 'socket traffic in the page', bytes: Buffer.from(frame.payload) });
      socket.on('framesent', record);
      socket.on('framereceived', record);
    });
  }
}

beforeAll(async () => {
  h = await BrowserHarness.start({ LOG_LEVEL: 'debug' });
  recordServerTraffic(h.t, serverTraffic);
});

afterAll(() => h?.close());

describe('plan canary: nothing of the plan reaches the server side', () => {
  it('finds the plan texts in the other browser, and nowhere on the server', async () => {
    const t = h.t;
    const { host, client } = await h.sessionPair({ prepare: recordFrames });
    await host.page.getByTestId('plan-panel').getByTestId('plan-form').waitFor({ timeout: 60_000 });

    await client.page.getByTestId('plan-change').fill(planCanary);
    await host.page.getByTestId('plan-new-step').fill(stepCanary);
    await host.page.getByTestId('plan-add-step').click();
    // Positive controls: each text reached the other browser, so it travelled.
    await expect.poll(() => host.page.getByTestId('plan-change').inputValue(), { timeout: 30_000 }).toBe(planCanary);
    await client.page.getByTestId('plan-step-text').first().waitFor({ timeout: 30_000 });
    expect(await client.page.getByTestId('plan-step-text').first().inputValue()).toBe(stepCanary);
    await client.page.locator('[data-testid="plan-saved"][data-state="saved"]').waitFor({ timeout: 30_000 });

    // Let asynchronous writes (PostgreSQL, logs) settle.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    expect(serverTraffic.length).toBeGreaterThan(20);
    expect(pageTraffic.length).toBeGreaterThan(20);
    const haystacks: Haystack[] = [...serverTraffic, ...pageTraffic];
    haystacks.push(...(await serverSideHaystacks(t, inject('databaseDirs'))));

    // Positive control for the search: stored metadata is found where it is kept.
    const control = findLeaks(needleForms('stored email', new TextEncoder().encode(counselor.email)).slice(0, 1), haystacks);
    expect(control.some((hit) => hit.includes('collection users'))).toBe(true);

    const needles = [
      ...needleForms('plan canary', new TextEncoder().encode(planCanary)),
      ...needleForms('step canary', new TextEncoder().encode(stepCanary)),
      // A distinctive part alone, in case a text were cut or wrapped.
      ...needleForms('plan canary id', new TextEncoder().encode(planCanary.slice(-36))).slice(0, 1),
      ...needleForms('step canary id', new TextEncoder().encode(stepCanary.slice(-36))).slice(0, 1),
    ];
    expect(findLeaks(needles, haystacks)).toEqual([]);
  }, 420_000);
});
