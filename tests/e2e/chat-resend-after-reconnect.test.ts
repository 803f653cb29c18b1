import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, type SignedIn } from '../support/browser-harness.js';
import type { TestPlatform } from '../support/test-platform.js';

/*
 * Per-sender sequence numbers (issue 14): a page whose connection drops
 * misses what is said meanwhile (it is no longer in the MLS group, so the
 * lines were not even encrypted for it). When it is back, in a new epoch, it
 * says what it holds; the sender's page sends the missed lines again from
 * its memory. The server stores nothing said.
 */
const [, asn] = demoAccounts;
let h: BrowserHarness;
let t: TestPlatform;
let host: SignedIn;
let client: SignedIn;

beforeAll(async () => {
  h = await BrowserHarness.start();
  t = h.t;
  ({ host, client } = await h.sessionPair());
  await host.page.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 30_000 });
  await client.page.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 30_000 });
});

afterAll(() => h?.close());

async function say(page: SignedIn['page'], text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

describe('chat lines missed during a reconnect', () => {
  it('a page drops its connection, the other sends 3 lines meanwhile; after the reconnect all 3 appear once, in order', async () => {
    await say(host.page, 'Sebelum putus.');
    await client.page.getByTestId('chat-theirs').filter({ hasText: 'Sebelum putus.' }).waitFor({ timeout: 30_000 });

    // The client's network goes; the server sees its connection drop at once.
    await client.context.setOffline(true);
    const asnId = (await t.platform.db.users.findOne({ email: asn.email }))?.id as string;
    for (const socket of t.platform.io.sockets.sockets.values()) {
      if (socket.data.user?.id === asnId) socket.conn.close();
    }
    await client.page.locator('[data-testid="connection-state"][data-state="reconnecting"]').waitFor({ timeout: 30_000 });
    await host.page.getByTestId('other-left').waitFor({ timeout: 30_000 });

    const missed = ['Baris pertama saat Anda terputus.', 'Baris kedua.', 'Baris ketiga, yang terakhir.'];
    for (const text of missed) {
      await say(host.page, text);
      await host.page.getByTestId('chat-mine').filter({ hasText: text }).waitFor({ timeout: 30_000 });
    }
    expect(await client.page.getByTestId('chat-theirs').count()).toBe(1);

    await client.context.setOffline(false);
    await client.page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 60_000 });
    await client.page.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 60_000 });
    const theirs = client.page.getByTestId('chat-theirs');
    await theirs.filter({ hasText: missed[2]! }).waitFor({ timeout: 30_000 });
    // Give any duplicate time to arrive before counting (a wait, not a timed assertion).
    await client.page.waitForTimeout(3000);
    const shown = await theirs.allTextContents();
    const lines = ['Sebelum putus.', ...missed];
    for (const text of lines) expect(shown.filter((s) => s.includes(text))).toHaveLength(1);
    const order = lines.map((text) => shown.findIndex((s) => s.includes(text)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(shown).toHaveLength(4);

    expect(await host.page.locator('[data-testid="chat-mine"] .failed').count()).toBe(0);
    // And the conversation goes on both ways in the new epoch.
    await say(client.page, 'Saya sudah kembali.');
    await host.page.getByTestId('chat-theirs').filter({ hasText: 'Saya sudah kembali.' }).waitFor({ timeout: 30_000 });
  }, 300_000);
});
