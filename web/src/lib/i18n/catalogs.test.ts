import { errorCodes } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { id } from './id.js';

describe('message catalogs', () => {
  it('have the same keys in Indonesian and English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(id).sort());
  });

  it('word every error code the server can send, in both languages', () => {
    for (const code of errorCodes) {
      expect(id, code).toHaveProperty(`errors.${code}`);
      expect(en, code).toHaveProperty(`errors.${code}`);
    }
  });

  it('use the same placeholders in both languages', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(id) as Array<keyof typeof id>) {
      expect(placeholders(en[key]), key).toEqual(placeholders(id[key]));
    }
  });
});
