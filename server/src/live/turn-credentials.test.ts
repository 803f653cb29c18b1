import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { TurnCredentials, turnPassword, turnSettings } from './turn-credentials.js';

const secret = 'a-shared-secret-of-at-least-32-characters';
const settings = { urls: ['turn:turn.example.go.id:3478', 'turns:turn.example.go.id:5349?transport=tcp'], secret, ttlSeconds: 3600 };
const minimal = { REDIS_URL: 'redis://127.0.0.1:6379', MONGODB_URI: 'mongodb://127.0.0.1:27017', NODE_ENV: 'development' };

describe('TurnCredentials (coturn REST-API scheme)', () => {
  it('issues username expiry:opaque id and the HMAC-SHA1 of it under the shared secret', () => {
    const now = Date.UTC(2026, 11, 5, 12);
    const [server] = new TurnCredentials(settings, () => now).iceServers();
    expect(server?.urls).toEqual(settings.urls);
    const [expiry, opaque] = (server?.username ?? '').split(':');
    expect(Number(expiry)).toBe(now / 1000 + 3600);
    expect(opaque).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // What coturn computes from the same secret (static-auth-secret) to check it.
    expect(server?.credential).toBe(createHmac('sha1', secret).update(server?.username ?? '').digest('base64'));
  });

  it('gives every credential its own opaque id, naming nobody', () => {
    const turn = new TurnCredentials(settings);
    const names = new Set(Array.from({ length: 20 }, () => turn.iceServers()[0]?.username.split(':')[1]));
    expect(names.size).toBe(20);
  });

  it('a credential signed with another secret does not match', () => {
    const [server] = new TurnCredentials(settings).iceServers();
    expect(turnPassword('another-secret-of-at-least-32-characters!', server?.username ?? '')).not.toBe(server?.credential);
  });

  it('is off when not configured', () => {
    const off = new TurnCredentials(turnSettings(loadConfig(minimal)));
    expect(off.enabled).toBe(false);
    expect(off.iceServers()).toEqual([]);
  });

  it('reads TURN_URLS, TURN_SECRET and TURN_TTL_SECONDS, each checked', () => {
    const config = loadConfig({ ...minimal, TURN_URLS: settings.urls.join(','), TURN_SECRET: secret });
    expect(turnSettings(config)).toEqual({ urls: settings.urls, secret, ttlSeconds: 14_400 });
    expect(() => loadConfig({ ...minimal, TURN_URLS: 'turn:turn.example.go.id' })).toThrowError(/TURN_SECRET is missing: must be set with TURN_URLS/);
    expect(() => loadConfig({ ...minimal, TURN_SECRET: secret })).toThrowError(/TURN_URLS is missing: must name the TURN server/);
    expect(() => loadConfig({ ...minimal, TURN_URLS: 'http://turn.example.go.id', TURN_SECRET: secret })).toThrowError(/TURN_URLS=.* must be up to 8 comma-separated URLs/);
    expect(() => loadConfig({ ...minimal, TURN_URLS: 'turn:t.example', TURN_SECRET: 'short' })).toThrowError(/TURN_SECRET=.* must be at least 32 characters/);
    expect(() => loadConfig({ ...minimal, TURN_URLS: 'turn:t.example', TURN_SECRET: secret, TURN_TTL_SECONDS: '60' })).toThrowError(/TURN_TTL_SECONDS="60" must be at least 600/);
  });
});
