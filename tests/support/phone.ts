import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { newMediaContext } from './browser.js';

/** A phone: 390×844 CSS pixels, touch, a mobile viewport (the size of a common Android or iPhone). */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;

/** The smallest touch target, in CSS pixels (WCAG 2.5.5). */
export const MIN_TARGET_PX = 44;

const artefacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.data/test-artifacts/phone');

/** A phone-sized browser context with a fake camera and microphone, recording peer connections and policy violations. */
export function newPhoneContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  return newMediaContext(browser, baseURL, PHONE);
}

/** Signs in on the sign-in page the phone shows, by touch, and lands on the appointments. */
export async function signInByTouch(page: Page, account: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').tap();
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Kata sandi').tap();
  await page.getByLabel('Kata sandi').fill(account.password);
  await page.getByRole('button', { name: 'Masuk' }).tap();
  await page.waitForURL('**/appointments');
}

/** How many CSS pixels the page is wider than the screen (0: no horizontal scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

export interface SmallTarget {
  what: string;
  width: number;
  height: number;
}

/**
 * Every interactive element on screen (or below it, by scrolling) that a
 * finger would find smaller than 44×44 CSS pixels. A checkbox or radio button
 * counts by its label, which is what a tap hits. Elements that are not
 * rendered (a closed disclosure's content, `display: none`) or kept off screen
 * until focused (the skip link) are not targets. `within`: a selector for
 * the part of the page that can be touched (a cover over the rest).
 */
export function smallTouchTargets(page: Page, within = 'html'): Promise<SmallTarget[]> {
  return page.evaluate(
    ({ minimum, root }) => {
      const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [role="button"], [role="link"], [role="checkbox"], [role="switch"], [tabindex]:not([tabindex="-1"])';
      const small: SmallTarget[] = [];
      for (const element of Array.from(document.querySelector(root)?.querySelectorAll<HTMLElement>(selector) ?? [])) {
        // Not rendered: display none, inside a closed disclosure (content-visibility), invisible, or inert.
        if (!element.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true }) || element.closest('[inert]')) continue;
        let box = element.getBoundingClientRect();
        if (box.right <= 0 || box.left >= window.innerWidth) continue;
        if (element instanceof HTMLInputElement && (element.type === 'checkbox' || element.type === 'radio')) {
          for (const label of Array.from(element.labels ?? [])) {
            const labelBox = label.getBoundingClientRect();
            if (labelBox.width * labelBox.height > box.width * box.height) box = labelBox;
          }
        }
        // Sub-pixel layout: 43.99 is 44.
        if (box.width + 0.5 < minimum || box.height + 0.5 < minimum) {
          const name = (element.getAttribute('aria-label') ?? element.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
          const id = element.getAttribute('data-testid') ?? element.id;
          small.push({ what: `<${element.tagName.toLowerCase()}${id ? ` #${id}` : ''}> ${name}`, width: Math.round(box.width), height: Math.round(box.height) });
        }
      }
      return small;
    },
    { minimum: MIN_TARGET_PX, root: within },
  );
}

/** Whether each element lies wholly in the bottom third of the screen, where a thumb reaches holding the phone in one hand. */
export async function outsideThumbReach(page: Page, elements: Locator): Promise<string[]> {
  const { height } = page.viewportSize() ?? PHONE.viewport;
  const outside: string[] = [];
  for (const element of await elements.all()) {
    const box = await element.boundingBox();
    const name = (await element.textContent())?.trim() ?? '';
    if (!box || box.y < (height * 2) / 3 || box.y + box.height > height) outside.push(`${name}: ${box ? `${Math.round(box.y)}–${Math.round(box.y + box.height)}` : 'not shown'}`);
  }
  return outside;
}

/**
 * Keeps a screenshot under .data/test-artifacts/phone/ (kept after the run,
 * never committed): the whole page, or only the screen where what is fixed to
 * it matters (the call's controls, the panic cover).
 */
export async function phoneScreenshot(page: Page, name: string, fullPage = true): Promise<string> {
  await mkdir(artefacts, { recursive: true });
  const file = path.join(artefacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}
