import { describe, expect, it } from 'vitest';
import { safetyCodeFromEpochAuthenticator } from './safety-code.js';

describe('safetyCodeFromEpochAuthenticator', () => {
  it('follows the documented construction', async () => {
    // SHA-256(00 01 .. 1f) = 630dcd2966 c433669112 ..., each 5-byte chunk mod 100000,
    // checked independently with Python's hashlib.
    const input = Uint8Array.from({ length: 32 }, (_, index) => index);
    expect(await safetyCodeFromEpochAuthenticator(input)).toBe('11590 49842 13307 78876 30539 70167');
  });

  it('is six groups of five digits and depends on every input byte', async () => {
    const input = new Uint8Array(32);
    const code = await safetyCodeFromEpochAuthenticator(input);
    expect(code).toMatch(/^\d{5}( \d{5}){5}$/);
    input[31] = 1;
    expect(await safetyCodeFromEpochAuthenticator(input)).not.toBe(code);
  });
});
