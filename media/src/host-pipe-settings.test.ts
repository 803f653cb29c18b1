import { describe, expect, it } from 'vitest';
import { PipePeerRange } from './host-pipe-settings.js';

describe('pipe peer range', () => {
  const range = new PipePeerRange({
    peerNetworks: [
      { address: '10.77.0.0', prefix: 16, family: 'ipv4' },
      { address: 'fd00:77::', prefix: 32, family: 'ipv6' },
    ],
    portMin: 41000,
    portMax: 41099,
  });

  it('allows an address inside the private networks and a port inside the range', () => {
    expect(range.allows('10.77.3.4', 41000)).toBe(true);
    expect(range.allows('10.77.255.1', 41099)).toBe(true);
    expect(range.allows('fd00:77::5', 41050)).toBe(true);
  });

  it('refuses any other address, port or text', () => {
    expect(range.allows('10.78.0.1', 41000)).toBe(false);
    expect(range.allows('8.8.8.8', 41000)).toBe(false);
    expect(range.allows('127.0.0.1', 41000)).toBe(false);
    expect(range.allows('10.77.0.1', 40999)).toBe(false);
    expect(range.allows('10.77.0.1', 41100)).toBe(false);
    expect(range.allows('fd01::1', 41000)).toBe(false);
    expect(range.allows('localhost', 41000)).toBe(false);
    expect(range.allows('10.77.0.1 ', 41000)).toBe(false);
    // An IPv4-mapped IPv6 address is judged as the IPv4 address it is.
    expect(range.allows('::ffff:8.8.8.8', 41000)).toBe(false);
    expect(range.allows('::ffff:10.77.0.1', 41000)).toBe(true);
  });

  it('allows nothing when no network is configured', () => {
    expect(new PipePeerRange({ peerNetworks: [], portMin: 1, portMax: 65535 }).allows('10.0.0.1', 41000)).toBe(false);
  });
});
