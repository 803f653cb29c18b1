import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoAccounts, type PlatformOverrides } from '@care/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, type ChromiumOptions } from './browser.js';
import { openSession, openSessionById, signIn, type SignInOptions } from './session-flow.js';
import { startTestPlatform, type TestPlatform } from './test-platform.js';

const webBuild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build');

export interface SignedIn {
  context: BrowserContext;
  page: Page;
}

export interface HarnessSignInOptions extends SignInOptions {
  /** Runs on the new context before the app loads again (init scripts such as test-only captures). */
  prepare?: (context: BrowserContext) => Promise<void>;
}

/**
 * A whole server in this process (so a test can look at its Redis, database and
 * media) serving the built web app, and Chromium to use it.
 */
export class BrowserHarness {
  readonly #contexts: BrowserContext[] = [];

  private constructor(
    readonly t: TestPlatform,
    readonly browser: Browser,
  ) {}

  static async start(env: Record<string, string> = {}, overrides: PlatformOverrides = {}, chromium: ChromiumOptions = {}): Promise<BrowserHarness> {
    const t = await startTestPlatform({ WEB_BUILD_DIR: webBuild, LOG_LEVEL: 'info', ...env }, overrides);
    return new BrowserHarness(t, await launchChromium(chromium));
  }

  /** The app's address; localhost, so pages are a secure context (WebCrypto, workers). */
  get baseUrl(): string {
    return this.t.url.replace('127.0.0.1', 'localhost');
  }

  track(context: BrowserContext): BrowserContext {
    this.#contexts.push(context);
    return context;
  }

  async signIn(email: string, password: string, options: HarnessSignInOptions = {}): Promise<SignedIn> {
    const signedIn = await signIn(this.browser, this.baseUrl, email, password, options);
    this.track(signedIn.context);
    if (options.prepare) {
      await options.prepare(signedIn.context);
      await signedIn.page.reload();
    }
    return signedIn;
  }

  /** The demo counselor opens the session; the demo client joins and is admitted; media flows. */
  async sessionPair(options: HarnessSignInOptions = {}): Promise<{ host: SignedIn; client: SignedIn }> {
    const [counselor, asn] = demoAccounts;
    const host = await this.signIn(counselor.email, counselor.password, options);
    await openSession(host.page);
    const client = await this.signIn(asn.email, asn.password, options);
    await openSession(client.page);
    await host.page.getByTestId('admit').click();
    await client.page.getByTestId('remote-video').waitFor();
    return { host, client };
  }

  /** The demo facilitator opens a circle meeting and waits in it, alone. */
  async openCircle(meetingId: string, options: HarnessSignInOptions = {}): Promise<SignedIn> {
    const [facilitator] = demoAccounts;
    const host = await this.signIn(facilitator.email, facilitator.password, options);
    await openSessionById(host.page, meetingId);
    await host.page.getByTestId('circle-grid').waitFor();
    return host;
  }

  /** A member enters the meeting's lobby (camera off, as circles start) and the facilitator's page lets them in. */
  async admitToCircle(host: Page, member: { email: string; password: string }, meetingId: string, options: HarnessSignInOptions = {}): Promise<SignedIn> {
    const signedIn = await this.signIn(member.email, member.password, options);
    await openSessionById(signedIn.page, meetingId);
    await signedIn.page.getByTestId('lobby').waitFor();
    await host.getByTestId('admit').click();
    await signedIn.page.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 30_000 });
    return signedIn;
  }

  async close(): Promise<void> {
    for (const context of this.#contexts) await context.close().catch(() => undefined);
    await this.browser.close();
    await this.t.close();
  }
}
