import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyedHash } from './keyed-hash.js';

describe('KeyedHash', () => {
  const key = randomBytes(32).toString('base64');

  it('gives the same name for the same key, label and value, and nothing of the value', () => {
    const a = new KeyedHash(key);
    expect(a.of('login:a', '203.0.113.7')).toBe(new KeyedHash(key).of('login:a', '203.0.113.7'));
    expect(a.of('login:a', '203.0.113.7')).toMatch(/^[0-9a-f]{32}$/);
    expect(a.of('login:a', '203.0.113.7')).not.toContain('203');
  });

  it('depends on the key and the label, so names cannot be listed without the key or linked across uses', () => {
    const a = new KeyedHash(key);
    expect(new KeyedHash(randomBytes(32).toString('base64')).of('login:a', 'x')).not.toBe(a.of('login:a', 'x'));
    expect(a.of('totp:a', 'x')).not.toBe(a.of('login:a', 'x'));
    // Without a configured key each process has its own.
    expect(new KeyedHash(undefined).of('l', 'x')).not.toBe(new KeyedHash(undefined).of('l', 'x'));
  });
});
