import { isIP } from 'node:net';
import os from 'node:os';
import { AgencyUnit, DEFAULT_HELP_LINES, HelpLines, Role } from '@care/shared';
import { z } from 'zod';

const port = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(fallback);

const url = (protocols: string[], example: string) =>
  z
    .string({ message: `must be a URL like ${example}` })
    .trim()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be a URL like ${example}`);

const hours = (fallback: number) =>
  z.coerce.number({ message: 'must be a number of hours' }).positive('must be positive').max(168, 'must be at most 168 (a week)').default(fallback);

const base64Key = () =>
  z
    .string()
    .optional()
    .refine((v) => v === undefined || Buffer.from(v, 'base64').length === 32, 'must be 32 random bytes in base64 (openssl rand -base64 32)');

/** nodemailer reads options from the URL's query; these would let mail go without verified TLS. */
const TLS_WEAKENING_SMTP_OPTIONS = /^(ignoreTLS|requireTLS|secure|tls\..*)$/;

/** A TURN server's URL as browsers take it: turn: or turns:, a host, a port, at most a transport (RFC 7065). */
const TURN_URL = /^turns?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/;

/** A comma-separated list of networks like 127.0.0.0/8,::1/128 (a bare address is one host). */
const networks = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const parsed = raw
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .map((part) => {
          const [address = '', prefix, ...rest] = part.split('/');
          const family = isIP(address);
          const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
          const ok = family !== 0 && rest.length === 0 && /^\d*$/.test(prefix ?? '') && Number.isInteger(bits) && bits >= 0 && bits <= (family === 6 ? 128 : 32);
          return ok ? { address, prefix: bits, family: family === 6 ? ('ipv6' as const) : ('ipv4' as const) } : undefined;
        });
      if (parsed.some((n) => n === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'must be comma-separated networks like 127.0.0.0/8,::1/128,10.20.0.0/16 (or empty for none)' });
        return z.NEVER;
      }
      return parsed as Array<{ address: string; prefix: number; family: 'ipv4' | 'ipv6' }>;
    });

const ConfigFields = z.object({
  /**
   * Production rules unless development (or test) is asked for explicitly:
   * `npm start` asks for development, the tests for test. A server started
   * with nothing set gets the safe defaults.
   */
  NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'must be development, production or test' }).default('production'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: port(3000),
  /** When PORT is taken: true picks another free port (dev), false stops with a clear error. */
  PORT_FALLBACK: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false').transform((v) => v === 'true'),
  PUBLIC_URL: url(['http:', 'https:'], 'https://care.example.go.id').optional(),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  /**
   * Redis through Sentinel: each sentinel as host:port, comma-separated. When
   * set, the primary's address is asked of them by REDIS_MASTER_NAME (and asked
   * again after a failover); REDIS_URL then gives only the password and db.
   */
  REDIS_SENTINELS: z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const sentinels = raw.split(',').map((part) => {
        const match = /^\[?([A-Za-z0-9.:-]+?)\]?:(\d{1,5})$/.exec(part.trim());
        const portNumber = Number(match?.[2]);
        return match?.[1] && portNumber >= 1 && portNumber <= 65_535 ? { host: match[1], port: portNumber } : undefined;
      });
      if (sentinels.some((sentinel) => sentinel === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'must be host:port pairs separated by commas, like 10.0.0.5:26379,10.0.0.6:26379' });
        return z.NEVER;
      }
      return sentinels as Array<{ host: string; port: number }>;
    }),
  REDIS_MASTER_NAME: z.string().trim().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be the name the sentinels monitor (letters, digits, . _ -)').default('mymaster'),
  /**
   * With Sentinel: how long this node goes on serving while its connection to
   * the primary is up but a majority of the sentinels cannot confirm it is
   * still the primary (a network cut that left this node with the old
   * primary). Then the node stops serving until they can. Keep it below the
   * sentinels' down-after-milliseconds, so the node stops before a new
   * primary can exist (redis/primary-watch.ts). The price: losing a majority
   * of the sentinels stops every node. 0 turns the watch off.
   */
  REDIS_PRIMARY_LEASE_MS: z.coerce
    .number({ message: 'must be a whole number of milliseconds' })
    .int('must be whole milliseconds')
    .refine((ms) => ms === 0 || (ms >= 200 && ms <= 60_000), 'must be 0 (off) or between 200 and 60000')
    .default(3000),
  MONGODB_URI: url(['mongodb:', 'mongodb+srv:'], 'mongodb://127.0.0.1:27017/care'),
  MONGODB_DB: z.string().trim().regex(/^[A-Za-z0-9_-]{1,60}$/, 'must be a database name (letters, digits, _ or -)').default('care'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'must be one of fatal, error, warn, info, debug, trace, silent',
  }).default('info'),
  /** A sign-in ends after this long without a request (REST, or an event on one of its live connections). */
  SESSION_IDLE_HOURS: hours(2),
  /** A sign-in ends this long after it began, however active: a stolen cookie is not good forever. */
  SESSION_MAX_HOURS: hours(12),
  /** Renamed: one variable for the idle lifetime and one for the absolute one. */
  SESSION_TTL_HOURS: z.undefined({ message: 'was replaced: set SESSION_IDLE_HOURS (idle) and SESSION_MAX_HOURS (absolute)' }).optional(),
  /**
   * 32 bytes, base64, the same on every node: the key of the keyed hash
   * (HMAC-SHA256) that turns an address or email into a rate-limit key name,
   * so Redis never holds either, and the key the notice stream between nodes
   * is sealed under (socket/room-notice-stream.ts). Required in production;
   * elsewhere a fresh one is made at each start (and the stream is sealed
   * under a fixed key).
   */
  RATE_LIMIT_KEY: base64Key(),
  /** Failed attempts one network address (an IPv6 /64) may make per 15 minutes across all accounts, per kind (sign-in, code, invite, reset). */
  RATE_LIMIT_ADDRESS_BUDGET: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(100_000).default(100),
  /** How long an emailed password-reset link stays valid. */
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number({ message: 'must be a number of minutes' }).int('must be whole minutes').min(5, 'must be at least 5').max(24 * 60).default(60),
  /**
   * Socket.IO connections one person may hold at once, across every node.
   * Each open page holds one or two (its own and the reminder banner's), and a
   * network change briefly holds the old ones too until the server notices.
   */
  SOCKETS_PER_USER: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(2, 'must be at least 2').max(200, 'must be at most 200').default(16),
  /**
   * How long a connection stays online, and holds its place under
   * SOCKETS_PER_USER, without a heartbeat (one every third of it): how long a
   * node that died keeps its people counted. 30 on every node (they share the
   * Redis keys, so all must agree), shorter only on a test's own server.
   */
  PRESENCE_TTL_SECONDS: z.coerce.number({ message: 'must be a whole number of seconds' }).int('must be whole seconds').min(3, 'must be at least 3').max(30, 'must be at most 30').default(30),
  /**
   * Multiplies every Socket.IO request budget (request-budgets.ts), per
   * connection and per person. 1 (the budgets as written) unless a benchmark
   * or load test's own server asks for more, never in production: there the
   * budgets are the floor issue 12 set against floods.
   */
  REQUEST_BUDGET_SCALE: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(1),
  /**
   * Divides the window of every Socket.IO request budget (request-budgets.ts),
   * points unchanged: 1 (the budgets as written) unless a test's own server
   * plays honest traffic that many times faster against the same proportions
   * (tests/integration/honest-budgets.test.ts, the day of chat), never in
   * production. Each window stays whole seconds, so it divides them all.
   */
  REQUEST_BUDGET_TIME_SCALE: z.coerce
    .number({ message: 'must be 1, 2, 5 or 10' })
    .refine((scale) => [1, 2, 5, 10].includes(scale), 'must be 1, 2, 5 or 10')
    .default(1),
  /**
   * TURN servers (coturn) for networks that block direct media, as
   * comma-separated turn:/turns: URLs, like turn:turn.example.go.id:3478,turns:turn.example.go.id:5349?transport=tcp.
   * Unset: no TURN (media goes directly to the SFU, over UDP or TCP).
   */
  TURN_URLS: z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx) => {
      const urls = (raw ?? '').split(',').map((u) => u.trim()).filter(Boolean);
      if (urls.some((u) => !TURN_URL.test(u)) || urls.length > 8) {
        ctx.addIssue({ code: 'custom', message: 'must be up to 8 comma-separated URLs like turn:turn.example.go.id:3478,turns:turn.example.go.id:5349?transport=tcp' });
        return z.NEVER;
      }
      return urls;
    }),
  /** The secret shared with coturn (its static-auth-secret): signs the TURN credentials the server issues. */
  TURN_SECRET: z.string().trim().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional(),
  /** How long an issued TURN credential lets a browser allocate and refresh a relay (coturn checks the expiry in the username). */
  TURN_TTL_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int('must be whole seconds').min(600, 'must be at least 600').max(86_400, 'must be at most 86400 (a day)').default(14_400),
  /** Folder holding the built web app; served at /. */
  WEB_BUILD_DIR: z.string().optional(),
  SEED_DEMO: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false').transform((v) => v === 'true'),
  MEDIASOUP_WORKER_BIN: z.string().optional(),
  MEDIA_WORKERS: z.coerce.number({ message: 'must be a number' }).int().min(1, 'must be at least 1').max(64).default(os.availableParallelism()),
  MEDIA_LISTEN_IP: z.union([z.ipv4(), z.ipv6()], { message: 'must be an IP address like 0.0.0.0 or 127.0.0.1' }).default('127.0.0.1'),
  MEDIA_ANNOUNCED_ADDRESS: z.string().trim().min(1).optional(),
  MEDIA_PORT_BASE: port(40000),
  MEDIA_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
  /**
   * Consumers a media worker carries before a room's new participants go to
   * another worker, their media piped across (issue 14). mediasoup's own
   * guideline is about 500 per worker; tests set it low to split a small circle.
   */
  MEDIA_CONSUMERS_PER_WORKER: z.coerce.number({ message: 'must be a number' }).int().min(1, 'must be at least 1').default(500),
  /**
   * Pipes between media hosts (issue 14): the private address this host's
   * pipe ends listen on, the one far hosts send to if another (NAT), the UDP
   * port range both sides use, and the networks a far host's pipe end may be
   * in: a description naming any other address or port is refused.
   */
  MEDIA_PIPE_LISTEN_IP: z.union([z.ipv4(), z.ipv6()], { message: 'must be an IP address on the private network between media hosts, like 10.20.0.5' }).default('127.0.0.1'),
  MEDIA_PIPE_ANNOUNCED_IP: z.union([z.ipv4(), z.ipv6()], { message: 'must be an IP address far media hosts reach this one at' }).optional(),
  MEDIA_PIPE_PORT_MIN: port(41000),
  MEDIA_PIPE_PORT_MAX: port(41999),
  MEDIA_PIPE_PEER_NETWORKS: networks('10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7'),
  /**
   * What this process is (issue 14, roles): `all` (the default, one process:
   * HTTP, Socket.IO and the media workers), `signal` (HTTP, Socket.IO,
   * scheduling; rooms' media on media nodes) or `media` (the workers and the
   * control channel only).
   */
  CARE_ROLE: z.enum(['all', 'signal', 'media'], { message: 'must be all, signal or media' }).default('all'),
  /** A media node's control channel: where it listens (a private address). */
  MEDIA_CONTROL_HOST: z.union([z.ipv4(), z.ipv6()], { message: 'must be an IP address' }).default('127.0.0.1'),
  MEDIA_CONTROL_PORT: port(4450),
  /** Where signal nodes reach this media node's control channel; by default ws://MEDIA_CONTROL_HOST:port (wss:// with TLS). */
  MEDIA_CONTROL_URL: z.string().regex(/^wss?:\/\/[^\s]+$/, 'must be a ws:// or wss:// URL').optional(),
  /**
   * TLS on the control channel (control-tls.ts): a media node's certificate and key (PEM files; both or neither), and
   * the CA a signal node verifies media nodes against (with it, plain ws:// addresses are refused).
   */
  MEDIA_CONTROL_TLS_CERT: z.string().min(1).optional(),
  MEDIA_CONTROL_TLS_KEY: z.string().min(1).optional(),
  MEDIA_CONTROL_TLS_CA: z.string().min(1).optional(),
  /** The secret signal and media nodes share to authenticate the control channel; required for the signal and media roles. */
  MEDIA_CONTROL_SECRET: z.string().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional(),
  /** A media node's egress capacity, Mbit/s: its load is the larger of CPU and the share of this it sends. */
  MEDIA_EGRESS_MBPS: z.coerce.number({ message: 'must be a number' }).positive().default(1000),
  /**
   * A room spanning media nodes (issue 14): a signal node places a room's
   * newcomer on another live, non-draining media node once the nodes the
   * room is on carry this load (their registry load, max of CPU and egress
   * share, 0 to 1). MEDIA_ROOM_PEERS_PER_NODE (0: off) also counts a node
   * full once it holds that many of the room's peers: a test's own setting,
   * to split a small circle, refused in production.
   */
  MEDIA_NODE_SPILL_LOAD: z.coerce.number({ message: 'must be a number from 0 to 1' }).min(0.05).max(1).default(0.8),
  MEDIA_ROOM_PEERS_PER_NODE: z.coerce.number({ message: 'must be a number' }).int().min(0).max(1000).default(0),
  /**
   * Tests only: a media node lets its signal node open plain RTP send
   * transports (`plainSend`) for headless test members, which have no WebRTC
   * stack (tests/support/headless-media.ts). Refused in production.
   */
  MEDIA_TEST_PLAIN_INGRESS: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  /** How long a draining media node (SIGTERM) waits for rooms the signal nodes could not move elsewhere to end before it exits. */
  MEDIA_DRAIN_GRACE_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int().min(0).max(86_400).default(900),
  /**
   * Outgoing mail server, smtp:// or smtps:// (user and password in the URL).
   * Unset: mail goes to the dev outbox (/dev/outbox) outside production, and
   * nowhere in production (in-app reminders still go out). In production
   * smtp:// must upgrade with STARTTLS (required, certificates verified).
   */
  SMTP_URL: url(['smtp:', 'smtps:'], 'smtps://user:password@mail.example.go.id:465').optional(),
  /** The From of every email: a no-reply address of the deployment. */
  MAIL_FROM: z
    .string()
    .trim()
    .default('"CARE ASN" <no-reply@care-asn.local>')
    .transform((raw, ctx) => {
      const match = /^(?:"?([^"<>]*?)"?\s*<([^\s@<>"]+@[^\s@<>"]+)>|([^\s@<>"]+@[^\s@<>"]+))$/.exec(raw);
      if (!match) {
        ctx.addIssue({ code: 'custom', message: 'must be an address like "CARE ASN" <no-reply@care.example.go.id>' });
        return z.NEVER;
      }
      return { name: match[1]?.trim() || 'CARE ASN', address: (match[2] ?? match[3] ?? '').toLowerCase() };
    }),
  /** Minutes before a session at which reminders go out, comma-separated. */
  REMINDER_OFFSETS_MINUTES: z
    .string()
    .default('1440,15')
    .transform((raw, ctx) => {
      const parts = raw.split(',').map((p) => p.trim());
      const minutes = parts.map(Number);
      if (parts.length === 0 || minutes.some((m) => !Number.isInteger(m) || m < 1 || m > 10_080)) {
        ctx.addIssue({ code: 'custom', message: 'must be whole minutes between 1 and 10080, comma-separated, like 1440,15' });
        return z.NEVER;
      }
      return [...new Set(minutes)].sort((a, b) => b - a);
    }),
  /** How often each node looks for reminders that are due. */
  REMINDER_INTERVAL_MS: z.coerce.number({ message: 'must be a number of milliseconds' }).int().min(50, 'must be at least 50').max(600_000).default(30_000),
  /** First wait before a failed email is tried again; each later wait is four times longer (3 retries). */
  MAIL_RETRY_BASE_MS: z.coerce.number({ message: 'must be a number of milliseconds' }).int().min(10, 'must be at least 10').max(3_600_000).default(30_000),
  /** Crisis lines shown on every page: JSON, [{"name":{"id":"…","en":"…"},"number":"112"}]. */
  CRISIS_HOTLINES: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return DEFAULT_HELP_LINES;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON like [{"name":{"id":"Darurat","en":"Emergency"},"number":"112"}]' });
        return z.NEVER;
      }
      const parsed = HelpLines.safeParse(json);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: `must be a list of lines: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}` });
        return z.NEVER;
      }
      return parsed.data;
    }),
  /** Roles that must sign in with a second factor (TOTP): comma-separated; default counselor,admin in production, none otherwise. */
  TOTP_REQUIRED_ROLES: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      const roles = raw.split(',').map((r) => r.trim()).filter(Boolean);
      const bad = roles.filter((r) => !Role.safeParse(r).success);
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of asn, counselor, admin (or empty for none)' });
        return z.NEVER;
      }
      return roles as Role[];
    }),
  /** 32 bytes, base64: encrypts TOTP secrets at rest (AES-256-GCM). Required in production. */
  TOTP_ENCRYPTION_KEY: base64Key(),
  /** How long an invite link stays valid. */
  INVITE_TTL_HOURS: z.coerce.number({ message: 'must be a number of hours' }).positive('must be positive').max(24 * 30).default(72),
  /**
   * k of the employer-blind figures: counts from 1 to k−1 are shown as "<k",
   * units with fewer than k people are merged. At least 5: below that, one
   * person's visits stand out.
   */
  REPORT_MIN_COUNT: z.coerce
    .number({ message: 'must be a whole number of at least 5' })
    .int('must be a whole number of at least 5')
    .min(5, 'must be at least 5: smaller counts single people out')
    .max(1000, 'must be at most 1000')
    .default(10),
  /**
   * Sessions each ASN may book per programme year (the calendar year in WIB)
   * before a counselor grants more (issue 13).
   */
  ALLOWANCE_SESSIONS_PER_YEAR: z.coerce
    .number({ message: 'must be a whole number of sessions' })
    .int('must be a whole number of sessions')
    .min(1, 'must be at least 1')
    .max(52, 'must be at most 52 (one a week)')
    .default(8),
  /** The agency unit codes invites may use, comma-separated; unset: any code of 1–32 letters, digits, - or _. */
  AGENCY_UNITS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      const units = raw.split(',').map((u) => AgencyUnit.safeParse(u));
      if (units.some((u) => !u.success)) {
        ctx.addIssue({ code: 'custom', message: 'must be comma-separated unit codes like DINKES,BKD (1–32 letters, digits, - or _)' });
        return z.NEVER;
      }
      return units.map((u) => u.data as string);
    }),
  /**
   * Who may read /metrics: a scraper from one of these networks (default: this
   * machine only), or anyone sending `Authorization: Bearer METRICS_TOKEN`.
   * Behind a reverse proxy on this machine the proxy must set X-Forwarded-For.
   */
  METRICS_ALLOW: networks('127.0.0.0/8,::1/128'),
  /**
   * Where a request's X-Forwarded-For is believed (the client's address for
   * sign-in and reset budgets and METRICS_ALLOW): a reverse proxy on this
   * machine by default. Behind a balancer on another machine (several signal
   * nodes), list its private address, or every person seems to come from it
   * and shares one sign-in budget. Never a network that people reach the
   * node from directly: they could then name any address.
   */
  TRUSTED_PROXIES: networks('127.0.0.0/8,::1/128'),
  /** A long random secret (at least 32 characters) a scraper outside METRICS_ALLOW sends as a bearer token. */
  METRICS_TOKEN: z.string().trim().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional(),
});

/**
 * Every setting the server reads, from the environment only, each with the
 * form it expects. Parsed once at start; a bad value names itself.
 */
export const ConfigSchema = ConfigFields.superRefine((config, ctx) => {
  if (config.TURN_URLS.length > 0 && !config.TURN_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['TURN_SECRET'], message: 'must be set with TURN_URLS: the static-auth-secret of the TURN server (openssl rand -base64 32)' });
  }
  if (config.TURN_SECRET && config.TURN_URLS.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['TURN_URLS'], message: 'must name the TURN server(s) TURN_SECRET is for, like turn:turn.example.go.id:3478' });
  }
  if (config.MEDIA_PIPE_PORT_MIN === 0 || config.MEDIA_PIPE_PORT_MIN > config.MEDIA_PIPE_PORT_MAX) {
    ctx.addIssue({ code: 'custom', path: ['MEDIA_PIPE_PORT_MIN'], message: 'must be a port from 1 up to MEDIA_PIPE_PORT_MAX' });
  }
  if (config.SESSION_IDLE_HOURS > config.SESSION_MAX_HOURS) {
    ctx.addIssue({ code: 'custom', path: ['SESSION_IDLE_HOURS'], message: 'must not be longer than SESSION_MAX_HOURS' });
  }
  if (Boolean(config.MEDIA_CONTROL_TLS_CERT) !== Boolean(config.MEDIA_CONTROL_TLS_KEY)) {
    ctx.addIssue({ code: 'custom', path: [config.MEDIA_CONTROL_TLS_CERT ? 'MEDIA_CONTROL_TLS_KEY' : 'MEDIA_CONTROL_TLS_CERT'], message: 'MEDIA_CONTROL_TLS_CERT and MEDIA_CONTROL_TLS_KEY go together: a certificate and its key (PEM files)' });
  }
  if (config.CARE_ROLE !== 'all' && !config.MEDIA_CONTROL_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['MEDIA_CONTROL_SECRET'], message: `must be set for CARE_ROLE=${config.CARE_ROLE}: the secret signal and media nodes share (openssl rand -base64 32)` });
  }
  if (config.NODE_ENV !== 'production') return;
  for (const name of ['TOTP_ENCRYPTION_KEY', 'RATE_LIMIT_KEY'] as const) {
    if (!config[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'must be set in production: 32 random bytes in base64 (openssl rand -base64 32); for a local try-out set NODE_ENV=development' });
  }
  if (config.REQUEST_BUDGET_SCALE !== 1) {
    ctx.addIssue({ code: 'custom', path: ['REQUEST_BUDGET_SCALE'], message: 'must be 1 in production: looser request budgets are for a benchmark\'s own server (set NODE_ENV=test or development there)' });
  }
  if (config.PRESENCE_TTL_SECONDS !== 30) {
    ctx.addIssue({ code: 'custom', path: ['PRESENCE_TTL_SECONDS'], message: 'must be 30 in production: a shorter heartbeat lapse is for a test\'s own server (set NODE_ENV=test there)' });
  }
  if (config.REQUEST_BUDGET_TIME_SCALE !== 1) {
    ctx.addIssue({ code: 'custom', path: ['REQUEST_BUDGET_TIME_SCALE'], message: 'must be 1 in production: shorter request budget windows are for a test\'s own server (set NODE_ENV=test there)' });
  }
  if (config.MEDIA_TEST_PLAIN_INGRESS) {
    ctx.addIssue({ code: 'custom', path: ['MEDIA_TEST_PLAIN_INGRESS'], message: 'must be false in production: plain RTP ingress is for a test media node (set NODE_ENV=test there)' });
  }
  if (config.MEDIA_ROOM_PEERS_PER_NODE !== 0) {
    ctx.addIssue({ code: 'custom', path: ['MEDIA_ROOM_PEERS_PER_NODE'], message: 'must be 0 in production: splitting a room by head count is for a test server (set NODE_ENV=test there); MEDIA_NODE_SPILL_LOAD places by load' });
  }
  if (config.SEED_DEMO) {
    ctx.addIssue({ code: 'custom', path: ['SEED_DEMO'], message: 'must not be true in production: demo accounts have published passwords (set NODE_ENV=development for a demo)' });
  }
  if (config.SMTP_URL) {
    const weakening = [...new URL(config.SMTP_URL).searchParams.keys()].filter((key) => TLS_WEAKENING_SMTP_OPTIONS.test(key));
    if (weakening.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message: `must not set ${weakening.join(', ')} in production: mail goes only over verified TLS (smtps://, or smtp:// with STARTTLS, which is then required)`,
      });
    }
  }
}).transform((config) => ({
  ...config,
  TOTP_REQUIRED_ROLES: config.TOTP_REQUIRED_ROLES ?? (config.NODE_ENV === 'production' ? (['counselor', 'admin'] as Role[]) : []),
}));

export type Config = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A media node opens no database; its config names none (this is never dialled: startMediaNode has no database). */
const MEDIA_NODE_NO_DATABASE = 'mongodb://media-node-has-no-database.invalid/';

/** Reads the config, or throws one error that lists every bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = ConfigSchema.safeParse(env.CARE_ROLE === 'media' && !env.MONGODB_URI ? { ...env, MONGODB_URI: MEDIA_NODE_NO_DATABASE } : env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    const missing = env[name] === undefined || env[name] === '';
    return missing ? `  ${name} is missing: ${issue.message}` : `  ${name}=${JSON.stringify(env[name])} ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}
