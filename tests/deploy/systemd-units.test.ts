import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Issue 14, Deployment: the systemd units in deploy/systemd, one per role,
 * parsed as systemd reads them (sections, repeated keys, continuation lines,
 * comments): the keys each needs, an ExecStart that runs the server's real
 * entry, and the hardening every CARE ASN process runs under. Where
 * systemd-analyze is installed, systemd itself checks them too.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const unitsDir = path.join(repo, 'deploy/systemd');
/** Where the units expect the built app (the install root of docs/DEPLOY.md). */
const INSTALL_ROOT = '/opt/care-asn';

type Unit = Map<string, Map<string, string[]>>;

/** A unit file as systemd parses it: [Section] headers, Key=Value lines (a key may repeat), `#`/`;` comments, `\` continuations. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header?.[1]) {
      section = new Map();
      unit.set(header[1], section);
      continue;
    }
    const entry = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!entry?.[1] || !section) throw new Error(`line ${index + 1} is not Key=Value inside a section: ${line}`);
    section.set(entry[1], [...(section.get(entry[1]) ?? []), (entry[2] ?? '').trim()]);
  }
  return unit;
}

function value(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

const roles = [
  { file: 'care-asn.service', role: 'all' },
  { file: 'care-asn-signal.service', role: 'signal' },
  { file: 'care-asn-media.service', role: 'media' },
] as const;

/** What every unit must set to what (hardening and the way it runs). */
const REQUIRED: ReadonlyArray<[section: string, key: string, expected: string | RegExp]> = [
  ['Unit', 'After', /network-online\.target/],
  ['Unit', 'Wants', /network-online\.target/],
  ['Service', 'Type', 'simple'],
  ['Service', 'User', 'care-asn'],
  ['Service', 'Group', 'care-asn'],
  ['Service', 'WorkingDirectory', INSTALL_ROOT],
  ['Service', 'EnvironmentFile', '/etc/care-asn/care-asn.env'],
  ['Service', 'Restart', 'on-failure'],
  ['Service', 'KillSignal', 'SIGTERM'],
  ['Service', 'UMask', '0077'],
  ['Service', 'NoNewPrivileges', 'yes'],
  ['Service', 'CapabilityBoundingSet', ''],
  ['Service', 'AmbientCapabilities', ''],
  ['Service', 'ProtectSystem', 'strict'],
  ['Service', 'ProtectHome', 'yes'],
  ['Service', 'PrivateTmp', 'yes'],
  ['Service', 'PrivateDevices', 'yes'],
  ['Service', 'ProtectKernelTunables', 'yes'],
  ['Service', 'ProtectKernelModules', 'yes'],
  ['Service', 'ProtectControlGroups', 'yes'],
  ['Service', 'RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6 AF_NETLINK'],
  ['Service', 'RestrictNamespaces', 'yes'],
  ['Service', 'RestrictSUIDSGID', 'yes'],
  ['Service', 'LockPersonality', 'yes'],
  ['Service', 'SystemCallArchitectures', 'native'],
  ['Service', 'SystemCallFilter', '@system-service'],
  ['Install', 'WantedBy', 'multi-user.target'],
];

describe.each(roles)('deploy/systemd/$file', ({ file, role }) => {
  const text = readFileSync(path.join(unitsDir, file), 'utf8');
  const unit = parseUnit(text);

  it('has its sections and the keys a CARE ASN process needs, hardened', () => {
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(value(unit, 'Unit', 'Description')).toBeTruthy();
    for (const [section, key, expected] of REQUIRED) {
      const got = unit.get(section)?.get(key);
      expect(got, `${section}.${key}`).toBeDefined();
      if (typeof expected === 'string') expect(got, `${section}.${key}`).toContain(expected);
      else expect(got?.some((v) => expected.test(v)), `${section}.${key}`).toBe(true);
    }
    // V8 compiles to writable, executable memory: this one would stop node at start.
    expect(unit.get('Service')?.has('MemoryDenyWriteExecute')).toBe(false);
    // No way back to root, no raw sockets, no capabilities at all.
    expect(value(unit, 'Service', 'User')).not.toBe('root');
  });

  it(`runs the server as the ${role} role`, () => {
    const environment = unit.get('Service')?.get('Environment') ?? [];
    expect(environment).toContain('NODE_ENV=production');
    expect(environment).toContain(`CARE_ROLE=${role}`);
  });

  it('starts the real server entry with node', () => {
    const [binary, script, ...extra] = (value(unit, 'Service', 'ExecStart') ?? '').split(/\s+/);
    expect(binary).toBe('/usr/bin/node');
    expect(extra).toEqual([]);
    expect(script?.startsWith(`${INSTALL_ROOT}/`)).toBe(true);
    const inRepo = path.relative(INSTALL_ROOT, script ?? '');
    // The entry is the server package's own (its bin and start script), built from server/src/main.ts …
    const serverPackage = JSON.parse(readFileSync(path.join(repo, 'server/package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(path.join('server', serverPackage.bin['care-server'] ?? '')).toBe(inRepo);
    expect(serverPackage.scripts.start).toBe(`node ${path.relative('server', inRepo)}`);
    expect(existsSync(path.join(repo, 'server/src/main.ts'))).toBe(true);
    // … and once built (as `npm test` builds first), the very file the unit runs.
    if (existsSync(path.join(repo, 'server/dist'))) expect(existsSync(path.join(repo, inRepo))).toBe(true);
  });

  it('passes systemd\'s own checks where systemd-analyze is installed', { timeout: 60_000 }, () => {
    const analyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'pipe' });
    if (analyze.error) {
      console.warn(`${file}: not checked by systemd-analyze (not installed here); parsed above only`);
      return;
    }
    const verify = spawnSync('systemd-analyze', ['verify', path.join(unitsDir, file)], { stdio: 'pipe' });
    // Unknown keys and bad values are warnings on stderr, not an exit status.
    expect(verify.stderr.toString()).toBe('');
    expect(verify.status).toBe(0);
    const security = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', path.join(unitsDir, file)], { stdio: 'pipe' }).toString();
    const exposure = Number(/Overall exposure level for [^:]+: ([\d.]+)/.exec(security)?.[1]);
    // systemd's scale: 0 (locked down) to 10 (exposed); under 2 is "OK".
    expect(exposure).toBeLessThan(2);
  });
});

describe('the unit parser', () => {
  it('keeps repeated keys, joins continuations, skips comments, and refuses a stray line', () => {
    const unit = parseUnit('# c\n[Service]\nEnvironment=A=1\nEnvironment=B=2\n; c\nExecStart=/usr/bin/node \\\n  /x.js\n');
    expect(unit.get('Service')?.get('Environment')).toEqual(['A=1', 'B=2']);
    expect(value(unit, 'Service', 'ExecStart')).toBe('/usr/bin/node    /x.js');
    expect(() => parseUnit('Key=outside')).toThrowError(/not Key=Value inside a section/);
  });
});
