import { describe, expect, it } from 'vitest';
import { addressBucket } from './network-address.js';

describe('addressBucket', () => {
  it('counts an IPv4 address as itself, also when it arrives IPv4-mapped', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of one IPv6 /64 together', () => {
    const one = addressBucket('2001:db8:1:2::1');
    expect(one).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0db8:0001:0002:ffff:eeee:dddd:cccc')).toBe(one);
    expect(addressBucket('2001:db8:1:3::1')).not.toBe(one);
  });

  it('puts what is not an address in one bucket of its own', () => {
    expect(addressBucket(undefined)).toBe('unknown');
    expect(addressBucket('not an address')).toBe('unknown');
  });
});
