/**
 * Renders the app icons (web/static/icons/*.png) from their SVG sources in
 * the same folder, with the Chromium the browser tests use. The PNGs are
 * committed: run this again after changing an SVG
 * (`node scripts/make-icons.ts`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const icons = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/static/icons');

/** Each PNG the manifest and the page head name: its source and its size. */
const renders = [
  { source: 'icon.svg', size: 192, out: 'icon-192.png' },
  { source: 'icon.svg', size: 512, out: 'icon-512.png' },
  { source: 'icon-maskable.svg', size: 512, out: 'icon-maskable-512.png' },
  // iOS rounds the corners itself and shows transparency as black: the full-bleed source.
  { source: 'icon-maskable.svg', size: 180, out: 'apple-touch-icon.png' },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--force-color-profile=srgb'],
});
try {
  for (const { source, size, out } of renders) {
    const svg = await readFile(path.join(icons, source), 'utf8');
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(`<html><body style="margin:0;background:transparent"><img src="${src}" width="${size}" height="${size}" style="display:block"></body></html>`);
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
    await page.screenshot({ path: path.join(icons, out), omitBackground: true });
    await page.close();
    console.log(`icons: ${out} (${size}×${size}) from ${source}`);
  }
} finally {
  await browser.close();
}
