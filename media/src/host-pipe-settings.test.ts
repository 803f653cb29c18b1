import { describe, expect, it } from 'vitest';
import { parseNetwork, PipePeerRange, PRIVATE_NETWORKS } from './host-pipe-settings.js';

describe('pipe peer range', () => {
  const range = new PipePeerRange({ peerNetworks: ['10.77.0.0/16', 'fd00:77::/32'], portMin: 41000, portMax: 41099 });

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
  });

  it('parses networks and refuses what is not one', () => {
    expect(parseNetwork('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fc00::/129', 'x/8', '10.0.0.0/8/1', '10.0.0.0/-1']) expect(parseNetwork(bad)).toBeUndefined();
    for (const network of PRIVATE_NETWORKS) expect(parseNetwork(network)).toBeDefined();
    expect(() => new PipePeerRange({ peerNetworks: ['nonsense'], portMin: 1, portMax: 2 })).toThrow(TypeError);
  });
});
