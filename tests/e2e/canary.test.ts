import { randomUUID } from 'node:crypto';
import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { findLeaks, needleForms, type Haystack } from '../support/byte-search.js';
import { recordServerTraffic, serverSideHaystacks } from '../support/server-side-haystacks.js';

const [counselor] = demoAccounts;
const canary = `Kanari rahasia ${randomUUID()}`;
let h: BrowserHarness;
const socketTraffic: Haystack[] = [];

beforeAll(async () => {
  h = await BrowserHarness.start({ LOG_LEVEL: 'debug' });
  recordServerTraffic(h.t, socketTraffic);
});

afterAll(() => h?.close());

describe('canary: nothing said and no key reaches the server side', () => {
  it('finds the chat text and the epoch keys in the browsers, and nowhere on the server', async () => {
    const t = h.t;
    const pair = await h.sessionPair({ prepare: withKeyCapture });
    const host = pair.host.page;
    const client = pair.client.page;
    await client.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor();
    await host.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor();

    await client.getByTestId('chat-input').fill(canary);
    await client.getByTestId('chat-input').press('Enter');
    // Positive control: the needle is real and findable where it belongs.
    await host.getByTestId('chat-theirs').filter({ hasText: canary }).waitFor();

    const keys = [
      ...(await capturedKeys(host)),
      ...(await capturedKeys(client)),
    ];
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const needles = [
      ...needleForms('canary chat text', new TextEncoder().encode(canary)),
      ...keys.flatMap((hex, i) => needleForms(`epoch key ${i}`, Buffer.from(hex, 'hex'))),
    ];

    // Let asynchronous writes (Redis AOF off in tests, PostgreSQL, logs) settle.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const haystacks: Haystack[] = [...socketTraffic];
    expect(socketTraffic.length).toBeGreaterThan(20);
    haystacks.push(...(await serverSideHaystacks(t, inject('databaseDirs'))));
    expect(haystacks.length).toBeGreaterThan(50);

    // Positive control for the search itself: stored metadata is found, in the collections
    // and (for the embedded database) in PostgreSQL's own files.
    const control = findLeaks(needleForms('stored email', new TextEncoder().encode(counselor.email)).slice(0, 1), haystacks);
    expect(control.some((hit) => hit.includes('collection users'))).toBe(true);
    if (inject('databaseDirs').length > 0) expect(control.some((hit) => hit.includes('/data/'))).toBe(true);

    expect(findLeaks(needles, haystacks)).toEqual([]);
  });
});
