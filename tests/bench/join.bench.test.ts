import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoAccounts } from '@care/server';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, newMediaContext } from '../support/browser.js';
import { openSession, signIn } from '../support/session-flow.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { startBareServer, type BareServer } from './bare/bare-server.js';
import { bareJoins, clickToFirstRemoteFrame, percentile } from './join-timing.js';

/*
 * bench:join — join to the first remote frame shown, from the click on Join
 * ("Lanjut" after the device check, for a client the counselor already admitted)
 * to the first requestVideoFrameCallback of the remote video; our app (auth,
 * lobby check, MLS join, E2EE) against a bare mediasoup page (no auth, no DB,
 * no E2EE) in the same run on the same machine.
 */

const [counselor, asn] = demoAccounts;
const webBuild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build');
const JOINS = 20;

let t: TestPlatform;
let bare: BareServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  t = await startTestPlatform({ WEB_BUILD_DIR: webBuild, LOG_LEVEL: 'warn' });
  bare = await startBareServer(process.env.MEDIASOUP_WORKER_BIN);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  bare?.close();
  await t?.close();
});

it('join benchmark', { timeout: 900_000 }, async ({ task }) => {
  const appUrl = t.url.replace('127.0.0.1', 'localhost');
  const host = await signIn(browser, appUrl, counselor.email, counselor.password);
  contexts.push(host.context);
  await openSession(host.page);
  const client = await signIn(browser, appUrl, asn.email, asn.password);
  contexts.push(client.context);
  await openSession(client.page);
  await host.page.getByTestId('admit').click();
  await client.page.getByTestId('remote-video').waitFor();
  const sessionUrl = client.page.url();

  const app: number[] = [];
  for (let i = 0; i < JOINS; i++) {
    await client.page.goto(sessionUrl);
    await client.page.getByTestId('devices-ready').waitFor();
    app.push(await clickToFirstRemoteFrame(client.page, () => client.page.getByTestId('devices-ready').click()));
  }
  const bareContext = await newMediaContext(browser, bare.url);
  contexts.push(bareContext);
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
