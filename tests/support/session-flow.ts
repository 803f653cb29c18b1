import AxeBuilder from '@axe-core/playwright';
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newMediaContext } from './browser.js';
import { decodedStreams } from './decoded-streams.js';

export interface SignInOptions {
  /** Remove RTCRtpScriptTransform and createEncodedStreams, as in a browser without them. */
  withoutTransforms?: boolean;
  /** How long each of the page's steps may wait (Playwright's 30 s unless given): a page behind a relay loads slower. */
  stepTimeoutMs?: number;
}

/** Signs in through the login page and lands on the appointments list. */
export async function signIn(
  browser: Browser,
  baseUrl: string,
  email: string,
  password: string,
  options: SignInOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newMediaContext(browser, baseUrl);
  if (options.stepTimeoutMs !== undefined) context.setDefaultTimeout(options.stepTimeoutMs);
  if (options.withoutTransforms) {
    await context.addInitScript(() => {
      delete (window as unknown as Record<string, unknown>).RTCRtpScriptTransform;
      delete (RTCRtpSender.prototype as unknown as Record<string, unknown>).createEncodedStreams;
      delete (RTCRtpReceiver.prototype as unknown as Record<string, unknown>).createEncodedStreams;
    });
  }
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Kata sandi').fill(password);
  await page.getByRole('button', { name: 'Masuk' }).click();
  await page.waitForURL('**/appointments');
  return { context, page };
}

/** Opens the appointment that is on now (accepting the consent step if shown) and passes the device check. */
export async function openSession(page: Page): Promise<void> {
  await page.getByTestId('open-session').click();
  await passDeviceCheck(page);
}

/** Opens a session by its address (how the circles page links a meeting), through consent and the device check. */
export async function openSessionById(page: Page, sessionId: string): Promise<void> {
  await page.goto(`/session/${sessionId}`);
  await passDeviceCheck(page);
}

/**
 * From the session page's first step to the device check, its devices open (accepting the consent step if
 * shown). The ready button comes with them; the preview is not waited for, being dark in a circle.
 */
export async function reachDeviceCheck(page: Page): Promise<void> {
  await page.getByTestId('consent-accept').or(page.getByTestId('devices-ready')).waitFor();
  if (await page.getByTestId('consent-accept').isVisible()) await page.getByTestId('consent-accept').click();
  await page.getByTestId('devices-ready').waitFor();
}

async function passDeviceCheck(page: Page): Promise<void> {
  await reachDeviceCheck(page);
  await page.getByTestId('devices-ready').click();
}

export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

export async function encryptionState(page: Page): Promise<string | null> {
  return page.getByTestId('encryption').getAttribute('data-state');
}

/** Waits until each page of a 1:1 says "encrypted" and decodes the other's video. */
export async function encryptedAndDecoding(pages: Page[]): Promise<void> {
  for (const page of pages) {
    await expect.poll(() => encryptionState(page), { timeout: 60_000, interval: 250 }).toBe('encrypted');
    await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
  }
}
