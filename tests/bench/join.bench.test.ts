import { afterAll, beforeAll, expect, it } from 'vitest';
import { newMediaContext } from '../support/browser.js';
import type { BrowserHarness } from '../support/browser-harness.js';
import type { BareServer } from './bare/bare-server.js';
import { bareJoins, clickToFirstRemoteFrame, percentile, startSideBySide } from './join-timing.js';

/*
 * bench:join — join to the first remote frame shown, from the click on Join
 * ("Lanjut" after the device check, for a client the counselor already admitted)
 * to the first requestVideoFrameCallback of the remote video; our app (auth,
 * lobby check, MLS join, E2EE) against a bare mediasoup page (no auth, no DB,
 * no E2EE) in the same run on the same machine.
 */

const JOINS = 20;

let h: BrowserHarness;
let bare: BareServer;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ h, bare, close: stop } = await startSideBySide());
}, 120_000);

afterAll(() => stop?.());

it('join benchmark', { timeout: 900_000 }, async ({ task }) => {
  const { client } = await h.sessionPair();
  const sessionUrl = client.page.url();

  const app: number[] = [];
  for (let i = 0; i < JOINS; i++) {
    await client.page.goto(sessionUrl);
    await client.page.getByTestId('devices-ready').waitFor();
    app.push(await clickToFirstRemoteFrame(client.page, () => client.page.getByTestId('devices-ready').click()));
  }
  const bareContext = h.track(await newMediaContext(h.browser, bare.url));
  const plain = await bareJoins(bare, bareContext, JOINS);
  expect(app).toHaveLength(JOINS);
  expect(plain).toHaveLength(JOINS);

  const p50 = percentile(app, 50);
  const p95 = percentile(app, 95);
  const bareP50 = percentile(plain, 50);
  (task.meta as { summary?: string[] }).summary = [
    `app joins (ms): ${app.map((v) => v.toFixed(0)).join(',')}`,
    `bare joins (ms): ${plain.map((v) => v.toFixed(0)).join(',')}`,
    `join: p50_ms=${p50.toFixed(0)} p95_ms=${p95.toFixed(0)} bare_p50_ms=${bareP50.toFixed(0)} ratio=${(p50 / bareP50).toFixed(2)}`,
  ];
});
