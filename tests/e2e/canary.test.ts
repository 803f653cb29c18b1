import { randomUUID } from 'node:crypto';
import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { collectionHaystacks, filesBelow, findLeaks, needleForms, redisHaystacks, type Haystack } from '../support/byte-search.js';

const [counselor] = demoAccounts;
const canary = `Kanari rahasia ${randomUUID()}`;
let h: BrowserHarness;
const socketTraffic: Haystack[] = [];

beforeAll(async () => {
  h = await BrowserHarness.start({ LOG_LEVEL: 'debug' });
  const t = h.t;
  // Record every Engine.IO packet in and out: what a compromised server could have kept.
  t.platform.io.engine.on('connection', (raw: { on(event: string, listener: (packet: { data?: unknown }) => void): void }) => {
    const record = (packet: { data?: unknown }) => {
      const data = packet.data;
      if (typeof data === 'string') socketTraffic.push({ label: 'socket.io traffic', bytes: Buffer.from(data) });
      else if (data instanceof Uint8Array) socketTraffic.push({ label: 'socket.io traffic', bytes: Buffer.from(data) });
    };
    raw.on('packet', record);
    raw.on('packetCreate', record);
  });
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
    haystacks.push({ label: 'server logs', bytes: Buffer.from(t.logs.join('')) });
    haystacks.push({ label: 'metrics', bytes: Buffer.from(await (await fetch(`${t.url}/metrics`)).text()) });

    haystacks.push(...(await redisHaystacks(t.platform.redis)));

    const db = t.platform.db.connection.db;
    if (!db) throw new Error('no database handle');
    haystacks.push(...(await collectionHaystacks(db)));
    for (const dir of inject('databaseDirs')) haystacks.push(...filesBelow(dir));
    expect(haystacks.length).toBeGreaterThan(50);

    // Positive control for the search itself: stored metadata is found, in the collections
    // and (for the embedded database) in PostgreSQL's own files.
    const control = findLeaks(needleForms('stored email', new TextEncoder().encode(counselor.email)).slice(0, 1), haystacks);
    expect(control.some((hit) => hit.includes('collection users'))).toBe(true);
    if (inject('databaseDirs').length > 0) expect(control.some((hit) => hit.includes('/data/'))).toBe(true);

    expect(findLeaks(needles, haystacks)).toEqual([]);
  });
});
