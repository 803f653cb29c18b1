import { DEFAULT_HELP_LINES } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { renderOfflinePage } from './offline-page.js';

const template = [
  '<main><section lang="id"><ul data-help-lines="id" data-testid="offline-help-lines" class="svelte-x"><!--[--><li>Darurat: <a href="tel:112">112</a></li><!--]--></ul></section>',
  '<section lang="en"><ul data-help-lines="en" class="svelte-x"><li>Emergency: <a href="tel:112">112</a></li></ul></section></main>',
].join('');

describe('the offline page', () => {
  it('lists the configured lines in each language, in place of the build’s defaults', () => {
    const html = renderOfflinePage(template, [{ name: { id: 'Layanan provinsi', en: 'Provincial line' }, number: '0800 123 4567 ext 2' }]);
    expect(html).toContain('<ul data-help-lines="id" data-testid="offline-help-lines" class="svelte-x"><li>Layanan provinsi: <a href="tel:08001234567">0800 123 4567 ext 2</a></li></ul>');
    expect(html).toContain('<ul data-help-lines="en" class="svelte-x"><li>Provincial line: <a href="tel:08001234567">0800 123 4567 ext 2</a></li></ul>');
    expect(html).not.toContain('Darurat');
    expect(html.startsWith('<main><section lang="id">')).toBe(true);
  });

  it('escapes what the operator configured', () => {
    const html = renderOfflinePage(template, [{ name: { id: '<script>alert(1)</script>', en: 'A & "B"' }, number: '112' }]);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('A &amp; &quot;B&quot;');
  });

  it('leaves a page without lists as it is', () => {
    expect(renderOfflinePage('<p>nothing</p>', DEFAULT_HELP_LINES)).toBe('<p>nothing</p>');
  });
});
