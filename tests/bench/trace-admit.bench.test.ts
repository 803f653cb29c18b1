import { it, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { BrowserHarness } from '../support/browser-harness.js';
import { lobbyAdmits } from './join-scenarios.js';
import { toneWav } from '../support/fake-microphone.js';

let h: BrowserHarness;
beforeAll(async () => {
  h = await BrowserHarness.start({ LOG_LEVEL: 'warn', REQUEST_BUDGET_SCALE: '20' }, {}, { extraArgs: [`--use-file-for-fake-audio-capture=${toneWav()}`] });
}, 120_000);
afterAll(async () => h?.close());

const lines: string[] = [];
function record(page: Page, who: string) {
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => lines.push(`${Date.now()} ${who} > ${String(f.payload).slice(0, 90)}`));
    ws.on('framereceived', (f) => lines.push(`${Date.now()} ${who} < ${String(f.payload).slice(0, 90)}`));
  });
  page.on('console', (m) => { if (m.text().startsWith('TRACE')) lines.push(`${Date.now()} ${who} ${m.text()}`); });
}

it('trace', { timeout: 900_000 }, async () => {
  const { demoAccounts } = await import('@care/server');
  const { openSession } = await import('../support/session-flow.js');
  const [counselor, asn] = demoAccounts;
  const host = await h.signIn(counselor.email, counselor.password);
  record(host.page, 'HOST');
  await openSession(host.page);
  const client = await h.signIn(asn.email, asn.password);
  record(client.page, 'CLNT');
  await openSession(client.page);
  await host.page.getByTestId('admit').click();
  await client.page.getByTestId('remote-video').waitFor();
  const pair = { host, client };
  const times = await lobbyAdmits(h, pair, Number(process.env.TRACE_RUNS ?? 6));
  console.log('TIMES ' + JSON.stringify(times));
  const { writeFileSync } = await import('node:fs');
  writeFileSync('/work/scratch/trace.txt', lines.join('\n'));
});
