import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const minimal = { REDIS_URL: 'redis://127.0.0.1:6379', MONGODB_URI: 'mongodb://127.0.0.1:27017', NODE_ENV: 'development' };
const key = Buffer.alloc(32, 7).toString('base64');
/** What a production deployment must set beyond the URLs. */
const production = { REDIS_URL: minimal.REDIS_URL, MONGODB_URI: minimal.MONGODB_URI, TOTP_ENCRYPTION_KEY: key, RATE_LIMIT_KEY: Buffer.alloc(32, 9).toString('base64') };

describe('loadConfig', () => {
  it('fills defaults around the two required URLs', () => {
    const config = loadConfig(minimal);
    expect(config.PORT).toBe(3000);
    expect(config.MEDIA_LISTEN_IP).toBe('127.0.0.1');
    expect(config.PORT_FALLBACK).toBe(false);
  });

  it('names each missing variable and the form it expects', () => {
    expect(() => loadConfig({})).toThrowError(ConfigError);
    try {
      loadConfig({});
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('REDIS_URL is missing');
      expect(message).toContain('redis://127.0.0.1:6379');
      expect(message).toContain('MONGODB_URI is missing');
    }
  });

  it('takes crisis lines from the deployment, with Indonesian defaults', () => {
    expect(loadConfig(minimal).CRISIS_HOTLINES.map((l) => l.number)).toEqual(['119 ext 8', '112']);
    const local = JSON.stringify([{ name: { id: 'Puskesmas', en: 'Health centre' }, number: '+62 21 555 0100' }]);
    expect(loadConfig({ ...minimal, CRISIS_HOTLINES: local }).CRISIS_HOTLINES[0]?.number).toBe('+62 21 555 0100');
    expect(() => loadConfig({ ...minimal, CRISIS_HOTLINES: 'not json' })).toThrowError(/CRISIS_HOTLINES.*must be JSON/);
    expect(() => loadConfig({ ...minimal, CRISIS_HOTLINES: '[{"name":{"id":"x","en":"x"},"number":"call"}]' })).toThrowError(/must be a phone number/);
  });

  it('caps Socket.IO connections per person, 16 unless set, within sane bounds', () => {
    expect(loadConfig(minimal).SOCKETS_PER_USER).toBe(16);
    expect(loadConfig({ ...minimal, SOCKETS_PER_USER: '4' }).SOCKETS_PER_USER).toBe(4);
    expect(() => loadConfig({ ...minimal, SOCKETS_PER_USER: '1' })).toThrowError(/SOCKETS_PER_USER="1" must be at least 2/);
    expect(() => loadConfig({ ...minimal, SOCKETS_PER_USER: 'many' })).toThrowError(/SOCKETS_PER_USER="many" must be a number/);
  });

  it('finds Redis through sentinels when they are listed, and names a bad list', () => {
    expect(loadConfig(minimal).REDIS_SENTINELS).toBeUndefined();
    const config = loadConfig({ ...minimal, REDIS_SENTINELS: '10.0.0.5:26379, sentinel-b.internal:26380', REDIS_MASTER_NAME: 'care' });
    expect(config.REDIS_SENTINELS).toEqual([
      { host: '10.0.0.5', port: 26379 },
      { host: 'sentinel-b.internal', port: 26380 },
    ]);
    expect(config.REDIS_MASTER_NAME).toBe('care');
    expect(loadConfig(minimal).REDIS_MASTER_NAME).toBe('mymaster');
    expect(() => loadConfig({ ...minimal, REDIS_SENTINELS: '10.0.0.5' })).toThrowError(/REDIS_SENTINELS.*host:port pairs/);
    expect(() => loadConfig({ ...minimal, REDIS_SENTINELS: '10.0.0.5:99999' })).toThrowError(/REDIS_SENTINELS.*host:port pairs/);
  });

  it('keeps the request budgets as written unless a non-production server scales them', () => {
    expect(loadConfig(minimal).REQUEST_BUDGET_SCALE).toBe(1);
    expect(loadConfig({ ...minimal, REQUEST_BUDGET_SCALE: '10' }).REQUEST_BUDGET_SCALE).toBe(10);
    expect(() => loadConfig({ ...minimal, REQUEST_BUDGET_SCALE: '0' })).toThrowError(/REQUEST_BUDGET_SCALE="0" must be at least 1/);
    expect(() => loadConfig({ ...production, REQUEST_BUDGET_SCALE: '10' })).toThrowError(/REQUEST_BUDGET_SCALE="10" must be 1 in production/);
    expect(loadConfig({ ...production, REQUEST_BUDGET_SCALE: '1' }).REQUEST_BUDGET_SCALE).toBe(1);
  });

  it('keeps the presence heartbeat lapse at 30 s unless a test server shortens it', () => {
    expect(loadConfig(minimal).PRESENCE_TTL_SECONDS).toBe(30);
    expect(loadConfig({ ...minimal, PRESENCE_TTL_SECONDS: '6' }).PRESENCE_TTL_SECONDS).toBe(6);
    expect(() => loadConfig({ ...minimal, PRESENCE_TTL_SECONDS: '2' })).toThrowError(/PRESENCE_TTL_SECONDS="2" must be at least 3/);
    expect(() => loadConfig({ ...production, PRESENCE_TTL_SECONDS: '6' })).toThrowError(/PRESENCE_TTL_SECONDS="6" must be 30 in production/);
  });

  it('keeps the request budget windows as written unless a test server divides them', () => {
    expect(loadConfig(minimal).REQUEST_BUDGET_TIME_SCALE).toBe(1);
    expect(loadConfig({ ...minimal, REQUEST_BUDGET_TIME_SCALE: '5' }).REQUEST_BUDGET_TIME_SCALE).toBe(5);
    expect(() => loadConfig({ ...minimal, REQUEST_BUDGET_TIME_SCALE: '3' })).toThrowError(/REQUEST_BUDGET_TIME_SCALE="3" must be 1, 2, 5 or 10/);
    expect(() => loadConfig({ ...production, REQUEST_BUDGET_TIME_SCALE: '5' })).toThrowError(/REQUEST_BUDGET_TIME_SCALE="5" must be 1 in production/);
    expect(loadConfig({ ...production, REQUEST_BUDGET_TIME_SCALE: '1' }).REQUEST_BUDGET_TIME_SCALE).toBe(1);
  });

  it('splits a room over media nodes by head count in tests only; by load everywhere', () => {
    expect(loadConfig(minimal).MEDIA_ROOM_PEERS_PER_NODE).toBe(0);
    expect(loadConfig(minimal).MEDIA_NODE_SPILL_LOAD).toBe(0.8);
    expect(loadConfig({ ...minimal, MEDIA_ROOM_PEERS_PER_NODE: '2' }).MEDIA_ROOM_PEERS_PER_NODE).toBe(2);
    expect(() => loadConfig({ ...production, MEDIA_ROOM_PEERS_PER_NODE: '2' })).toThrowError(/MEDIA_ROOM_PEERS_PER_NODE="2" must be 0 in production/);
    expect(loadConfig({ ...production, MEDIA_NODE_SPILL_LOAD: '0.6' }).MEDIA_NODE_SPILL_LOAD).toBe(0.6);
    expect(() => loadConfig({ ...minimal, MEDIA_NODE_SPILL_LOAD: '2' })).toThrowError(/MEDIA_NODE_SPILL_LOAD/);
    expect(loadConfig({ ...minimal, MEDIA_TEST_PLAIN_INGRESS: 'true' }).MEDIA_TEST_PLAIN_INGRESS).toBe(true);
    expect(() => loadConfig({ ...production, MEDIA_TEST_PLAIN_INGRESS: 'true' })).toThrowError(/MEDIA_TEST_PLAIN_INGRESS="true" must be false in production/);
  });

  it('names a bad value and what would be right', () => {
    expect(() => loadConfig({ ...minimal, PORT: 'eighty' })).toThrowError(/PORT="eighty" must be a port number/);
    expect(() => loadConfig({ ...minimal, MEDIA_LISTEN_IP: 'localhost' })).toThrowError(/MEDIA_LISTEN_IP="localhost" must be an IP address/);
    expect(() => loadConfig({ ...minimal, REDIS_URL: 'http://x' })).toThrowError(/REDIS_URL="http:\/\/x" must be a URL like redis:/);
  });

  it('reads mail and reminder settings, with a clear word for a bad one', () => {
    const defaults = loadConfig(minimal);
    expect(defaults.SMTP_URL).toBeUndefined();
    expect(defaults.MAIL_FROM).toEqual({ name: 'CARE ASN', address: 'no-reply@care-asn.local' });
    expect(defaults.REMINDER_OFFSETS_MINUTES).toEqual([1440, 15]);
    const set = loadConfig({ ...minimal, SMTP_URL: 'smtps://u:p@mail.example.go.id:465', MAIL_FROM: 'jadwal@example.go.id', REMINDER_OFFSETS_MINUTES: '15, 60,15' });
    expect(set.MAIL_FROM).toEqual({ name: 'CARE ASN', address: 'jadwal@example.go.id' });
    expect(set.REMINDER_OFFSETS_MINUTES).toEqual([60, 15]);
    expect(() => loadConfig({ ...minimal, SMTP_URL: 'mail.example.go.id' })).toThrowError(/SMTP_URL="mail.example.go.id" must be a URL like smtps:/);
    expect(() => loadConfig({ ...minimal, MAIL_FROM: 'nobody' })).toThrowError(/MAIL_FROM="nobody" must be an address like/);
    expect(() => loadConfig({ ...minimal, REMINDER_OFFSETS_MINUTES: '1440,soon' })).toThrowError(/REMINDER_OFFSETS_MINUTES=.*must be whole minutes/);
  });

  it('requires a second factor of counselors and admins in production only, and a key to seal it there', () => {
    expect(loadConfig(minimal).TOTP_REQUIRED_ROLES).toEqual([]);
    expect(loadConfig(production).TOTP_REQUIRED_ROLES).toEqual(['counselor', 'admin']);
    expect(loadConfig({ ...production, TOTP_REQUIRED_ROLES: '' }).TOTP_REQUIRED_ROLES).toEqual([]);
    expect(() => loadConfig({ ...production, TOTP_ENCRYPTION_KEY: undefined })).toThrowError(/TOTP_ENCRYPTION_KEY is missing/);
    expect(() => loadConfig({ ...minimal, TOTP_ENCRYPTION_KEY: 'short' })).toThrowError(/TOTP_ENCRYPTION_KEY.*32 random bytes/);
    expect(() => loadConfig({ ...minimal, TOTP_REQUIRED_ROLES: 'counselor,boss' })).toThrowError(/TOTP_REQUIRED_ROLES/);
  });

  it('takes the agency unit list as upper-case codes', () => {
    expect(loadConfig({ ...minimal, AGENCY_UNITS: 'dinkes, BKD' }).AGENCY_UNITS).toEqual(['DINKES', 'BKD']);
    expect(loadConfig(minimal).AGENCY_UNITS).toBeUndefined();
    expect(() => loadConfig({ ...minimal, AGENCY_UNITS: 'ok,not ok' })).toThrowError(/AGENCY_UNITS/);
  });

  it('applies production rules when nothing asks for development', () => {
    const bare = { REDIS_URL: minimal.REDIS_URL, MONGODB_URI: minimal.MONGODB_URI };
    // Nothing set: production, which then wants its keys, and says how to try it out locally instead.
    expect(() => loadConfig(bare)).toThrowError(/TOTP_ENCRYPTION_KEY is missing: must be set in production.*NODE_ENV=development/);
    expect(() => loadConfig(bare)).toThrowError(/RATE_LIMIT_KEY is missing: must be set in production/);
    const config = loadConfig(production);
    expect(config.NODE_ENV).toBe('production');
    expect(config.SEED_DEMO).toBe(false);
    expect(config.TOTP_REQUIRED_ROLES).toEqual(['counselor', 'admin']);
    expect(config.SMTP_URL).toBeUndefined();
  });

  it('refuses demo seeding in production', () => {
    expect(() => loadConfig({ ...production, SEED_DEMO: 'true' })).toThrowError(/SEED_DEMO="true" must not be true in production/);
    expect(loadConfig({ ...minimal, SEED_DEMO: 'true' }).SEED_DEMO).toBe(true);
  });

  it('sends production mail only over verified TLS: no URL option may weaken it', () => {
    expect(loadConfig({ ...production, SMTP_URL: 'smtps://u:p@mail.example.go.id:465' }).SMTP_URL).toContain('smtps:');
    expect(loadConfig({ ...production, SMTP_URL: 'smtp://u:p@mail.example.go.id:587' }).SMTP_URL).toContain('smtp:');
    for (const weak of ['ignoreTLS=true', 'requireTLS=false', 'secure=false', 'tls.rejectUnauthorized=false']) {
      expect(() => loadConfig({ ...production, SMTP_URL: `smtp://mail.example.go.id:587?${weak}` }), weak).toThrowError(/SMTP_URL=.*must not set .* in production/);
    }
    // Outside production a test server without TLS is fine.
    expect(loadConfig({ ...minimal, SMTP_URL: 'smtp://127.0.0.1:2525?ignoreTLS=true' }).SMTP_URL).toContain('ignoreTLS');
  });

  it('has an idle and an absolute sign-in lifetime, the idle one no longer than the other', () => {
    const config = loadConfig(minimal);
    expect(config.SESSION_IDLE_HOURS).toBe(2);
    expect(config.SESSION_MAX_HOURS).toBe(12);
    expect(loadConfig({ ...minimal, SESSION_IDLE_HOURS: '0.5', SESSION_MAX_HOURS: '8' }).SESSION_MAX_HOURS).toBe(8);
    expect(() => loadConfig({ ...minimal, SESSION_IDLE_HOURS: '13' })).toThrowError(/SESSION_IDLE_HOURS="13" must not be longer than SESSION_MAX_HOURS/);
    expect(() => loadConfig({ ...minimal, SESSION_MAX_HOURS: '0' })).toThrowError(/SESSION_MAX_HOURS="0" must be positive/);
    // The old single variable is named, not silently ignored.
    expect(() => loadConfig({ ...minimal, SESSION_TTL_HOURS: '12' })).toThrowError(/SESSION_TTL_HOURS="12" was replaced: set SESSION_IDLE_HOURS/);
  });

  it('reads the rate-limit key and budget', () => {
    expect(loadConfig(minimal).RATE_LIMIT_KEY).toBeUndefined();
    expect(loadConfig(minimal).RATE_LIMIT_ADDRESS_BUDGET).toBe(100);
    expect(() => loadConfig({ ...minimal, RATE_LIMIT_KEY: 'short' })).toThrowError(/RATE_LIMIT_KEY.*32 random bytes/);
    expect(() => loadConfig({ ...minimal, RATE_LIMIT_ADDRESS_BUDGET: '0' })).toThrowError(/RATE_LIMIT_ADDRESS_BUDGET="0" must be at least 1/);
  });

  it('takes the report threshold k, 10 by default, and refuses one below 5', () => {
    expect(loadConfig(minimal).REPORT_MIN_COUNT).toBe(10);
    expect(loadConfig({ ...minimal, REPORT_MIN_COUNT: '5' }).REPORT_MIN_COUNT).toBe(5);
    expect(() => loadConfig({ ...minimal, REPORT_MIN_COUNT: '4' })).toThrowError(/REPORT_MIN_COUNT="4" must be at least 5/);
    expect(() => loadConfig({ ...minimal, REPORT_MIN_COUNT: '7.5' })).toThrowError(/REPORT_MIN_COUNT/);
  });

  it('lets /metrics be read from this machine by default, and reads scrape networks and a token', () => {
    expect(loadConfig(minimal).METRICS_ALLOW).toEqual([
      { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
      { address: '::1', prefix: 128, family: 'ipv6' },
    ]);
    expect(loadConfig({ ...minimal, METRICS_ALLOW: '' }).METRICS_ALLOW).toEqual([]);
    expect(loadConfig({ ...minimal, METRICS_ALLOW: '10.0.0.5, fd00::/8' }).METRICS_ALLOW).toEqual([
      { address: '10.0.0.5', prefix: 32, family: 'ipv4' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
    ]);
    for (const bad of ['10.0.0.0/33', 'localhost', '10.0.0.0/8/1', '10.0.0.0/x', '::1/129']) {
      expect(() => loadConfig({ ...minimal, METRICS_ALLOW: bad }), bad).toThrowError(/METRICS_ALLOW=.*must be comma-separated networks/);
    }
    expect(() => loadConfig({ ...minimal, METRICS_TOKEN: 'short' })).toThrowError(/METRICS_TOKEN.*at least 32 characters/);
  });

  it('runs as one process unless a role is named; a signal or media node refuses to start without the control secret', () => {
    expect(loadConfig(minimal).CARE_ROLE).toBe('all');
    for (const role of ['signal', 'media']) {
      expect(() => loadConfig({ ...minimal, CARE_ROLE: role })).toThrow(/MEDIA_CONTROL_SECRET is missing: must be set for CARE_ROLE=/);
      expect(() => loadConfig({ ...production, CARE_ROLE: role })).toThrow(/MEDIA_CONTROL_SECRET/);
      expect(() => loadConfig({ ...minimal, CARE_ROLE: role, MEDIA_CONTROL_SECRET: 'short' })).toThrow(/at least 32 characters/);
      expect(loadConfig({ ...production, CARE_ROLE: role, MEDIA_CONTROL_SECRET: key }).CARE_ROLE).toBe(role);
    }
    expect(() => loadConfig({ ...minimal, CARE_ROLE: 'both' })).toThrow(/must be all, signal or media/);
    // A media node has no database to name.
    expect(loadConfig({ REDIS_URL: minimal.REDIS_URL, NODE_ENV: 'development', CARE_ROLE: 'media', MEDIA_CONTROL_SECRET: key }).CARE_ROLE).toBe('media');
    expect(() => loadConfig({ REDIS_URL: minimal.REDIS_URL, NODE_ENV: 'development', CARE_ROLE: 'signal', MEDIA_CONTROL_SECRET: key })).toThrow(/MONGODB_URI is missing/);
    expect(() => loadConfig({ ...minimal, MEDIA_CONTROL_URL: 'http://media-1:4450' })).toThrow(/ws:\/\/ or wss:\/\//);
  });

  it('takes the TLS certificate and key of the control channel together, never one alone', () => {
    const tls = { MEDIA_CONTROL_TLS_CERT: '/etc/care/media.pem', MEDIA_CONTROL_TLS_KEY: '/etc/care/media.key' };
    expect(loadConfig({ ...minimal, ...tls }).MEDIA_CONTROL_TLS_CERT).toBe(tls.MEDIA_CONTROL_TLS_CERT);
    expect(() => loadConfig({ ...minimal, MEDIA_CONTROL_TLS_CERT: tls.MEDIA_CONTROL_TLS_CERT })).toThrow(/MEDIA_CONTROL_TLS_KEY.*go together/);
    expect(() => loadConfig({ ...minimal, MEDIA_CONTROL_TLS_KEY: tls.MEDIA_CONTROL_TLS_KEY })).toThrow(/MEDIA_CONTROL_TLS_CERT.*go together/);
    expect(loadConfig({ ...minimal, MEDIA_CONTROL_TLS_CA: '/etc/care/ca.pem' }).MEDIA_CONTROL_TLS_CA).toBe('/etc/care/ca.pem');
  });

  it('takes a lease on the Redis primary, or 0 for none, and names the bounds of anything else', () => {
    expect(loadConfig(minimal).REDIS_PRIMARY_LEASE_MS).toBe(3000);
    expect(loadConfig({ ...minimal, REDIS_PRIMARY_LEASE_MS: '0' }).REDIS_PRIMARY_LEASE_MS).toBe(0);
    expect(loadConfig({ ...minimal, REDIS_PRIMARY_LEASE_MS: '1000' }).REDIS_PRIMARY_LEASE_MS).toBe(1000);
    expect(() => loadConfig({ ...minimal, REDIS_PRIMARY_LEASE_MS: '50' })).toThrowError(/REDIS_PRIMARY_LEASE_MS.*0 \(off\) or between 200 and 60000/);
  });
});
