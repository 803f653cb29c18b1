import type { BrowserContext, Page } from 'playwright-core';

/**
 * Test-only: remembers every SFrame base key a page hands its frame worker,
 * by wrapping Worker.postMessage before the app loads (no hook in the app).
 */
export async function withKeyCapture(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const keys: string[] = [];
    (window as unknown as { __capturedKeys: string[] }).__capturedKeys = keys;
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
      const key = (message as { kind?: string; baseKey?: Uint8Array }).kind === 'epoch' ? (message as { baseKey: Uint8Array }).baseKey : undefined;
      if (key) keys.push(Array.from(key, (b) => b.toString(16).padStart(2, '0')).join(''));
      return (post as (...args: unknown[]) => void).call(this, message, ...rest);
    } as typeof Worker.prototype.postMessage;
  });
}

/** The base keys (hex) the page has held so far, oldest first. */
export function capturedKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __capturedKeys: string[] }).__capturedKeys);
}
