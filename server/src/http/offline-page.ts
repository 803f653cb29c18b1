import fs from 'node:fs';
import path from 'node:path';
import { dialUri, type HelpLine, type Locale } from '@care/shared';

/** The list the web build leaves in its offline page, one per language, for the server to fill. */
const lineList = /(<ul\b[^>]*\bdata-help-lines="(id|en)"[^>]*>)[\s\S]*?(<\/ul>)/g;

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);
}

function linesHtml(lines: readonly HelpLine[], locale: Locale): string {
  return lines.map((line) => `<li>${escapeHtml(line.name[locale])}: <a href="${escapeHtml(dialUri(line))}">${escapeHtml(line.number)}</a></li>`).join('');
}

/**
 * The page the service worker shows when the app cannot reach the server,
 * with this deployment's crisis lines: the build's offline page (made without
 * any script, in both languages) with its lists replaced by the configured
 * lines. Rendered once at start; the lines are the operator's configuration,
 * escaped all the same. The API's help-line answer is never what a cache
 * keeps: this page is.
 */
export function renderOfflinePage(template: string, lines: readonly HelpLine[]): string {
  return template.replace(lineList, (_whole, open: string, locale: string, close: string) => `${open}${linesHtml(lines, locale === 'en' ? 'en' : 'id')}${close}`);
}

/** The built offline page with the lines filled in, or undefined when the build has none. */
export function offlinePageOf(webBuildDir: string, lines: readonly HelpLine[]): string | undefined {
  const file = path.join(webBuildDir, 'offline.html');
  return fs.existsSync(file) ? renderOfflinePage(fs.readFileSync(file, 'utf8'), lines) : undefined;
}
