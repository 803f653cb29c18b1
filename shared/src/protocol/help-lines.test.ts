import { describe, expect, it } from 'vitest';
import { DEFAULT_HELP_LINES, dialUri } from './help-lines.js';

describe('dialling a help line', () => {
  it('dials the number without spaces, dashes or the extension', () => {
    expect(DEFAULT_HELP_LINES.map(dialUri)).toEqual(['tel:119', 'tel:112']);
    expect(dialUri({ name: { id: 'a', en: 'a' }, number: '+62 21-500 454' })).toBe('tel:+6221500454');
  });
});
