import type { Page } from 'playwright-core';

/* What a session page shows of its MLS group: the lock state, the safety code, the key holders. */

export const encrypted = (page: Page) => page.locator('[data-testid="encryption"][data-state="encrypted"]');

export const safetyCode = (page: Page) => page.getByTestId('safety-code').textContent();

/** Waits until the page shows this safety code. */
export async function showsCode(page: Page, code: string | null): Promise<void> {
  await page.waitForFunction((expected) => document.querySelector('[data-testid="safety-code"]')?.textContent === expected, code, { timeout: 30_000 });
}

/** Waits until all these pages show one and the same safety code (whichever epoch they settle on). */
export async function settleOnOneCode(pages: Page[]): Promise<string> {
  let codes: Array<string | null> = [];
  const agreed = async () => {
    codes = await Promise.all(pages.map((page) => page.getByTestId('safety-code').textContent({ timeout: 1000 }).catch(() => null)));
    return codes[0] !== null && codes.every((code) => code === codes[0]);
  };
  for (let waited = 0; !(await agreed()); waited += 250) {
    if (waited > 30_000) throw new Error(`the pages did not settle on one safety code: ${codes.join(' / ')}`);
    await pages[0]?.waitForTimeout(250);
  }
  return codes[0] ?? '';
}

/** Waits until the page shows this many key holders beside this many people, and this many unknown members. */
export async function keyHolders(page: Page, holders: number, people: number, unknown = 0): Promise<void> {
  await page.locator(`[data-testid="key-holders"][data-holders="${holders}"][data-people="${people}"][data-unknown="${unknown}"]`).waitFor({ timeout: 30_000 });
}
