import { describe, expect, it } from 'vitest';
import { OriginPolicy } from './same-origin.js';

describe('OriginPolicy', () => {
  it('allows, without PUBLIC_URL, the loopback names of the port it listens on', () => {
    const policy = new OriginPolicy(undefined);
    policy.listening('127.0.0.1', 3000);
    expect(policy.origins).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']);
    expect(policy.verdict({ origin: 'http://localhost:3000' })).toEqual({ allowed: true });
    expect(policy.verdict({ origin: 'HTTP://LOCALHOST:3000' })).toEqual({ allowed: true });
    expect(policy.verdict({ origin: 'http://localhost:3001' }).allowed).toBe(false);
    expect(policy.verdict({ origin: 'https://localhost:3000' }).allowed).toBe(false);
  });

  it('adds a concrete HOST, and nothing for a wildcard one', () => {
    const lan = new OriginPolicy(undefined);
    lan.listening('192.0.2.10', 80);
    expect(lan.origins).toContain('http://192.0.2.10');
    const any = new OriginPolicy(undefined);
    any.listening('0.0.0.0', 80);
    expect(any.origins).toHaveLength(3);
  });

  it('allows only the PUBLIC_URL origin when it is set', () => {
    const policy = new OriginPolicy('https://care.example.go.id/some/path');
    policy.listening('127.0.0.1', 3000);
    expect(policy.origins).toEqual(['https://care.example.go.id']);
    expect(policy.verdict({ origin: 'https://care.example.go.id' }).allowed).toBe(true);
    expect(policy.verdict({ origin: 'http://localhost:3000' }).allowed).toBe(false);
  });

  it('refuses null, malformed and cross-site requests, and lets non-browser clients through', () => {
    const policy = new OriginPolicy('https://care.example.go.id');
    expect(policy.verdict({ origin: 'null' })).toEqual({ allowed: false, reason: 'an opaque (null) origin' });
    expect(policy.verdict({ origin: '::' }).allowed).toBe(false);
    expect(policy.verdict({ 'sec-fetch-site': 'cross-site' })).toEqual({ allowed: false, reason: 'a cross-site request' });
    expect(policy.verdict({ 'sec-fetch-site': 'same-site' }).allowed).toBe(false);
    expect(policy.verdict({ 'sec-fetch-site': 'same-origin' }).allowed).toBe(true);
    expect(policy.verdict({ 'sec-fetch-site': 'none' }).allowed).toBe(true);
    expect(policy.verdict({}).allowed).toBe(true);
  });
});
