import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A certificate authority made for one test run, and the files of what it signed. */
export interface TestAuthority {
  /** The CA's certificate (PEM file), what a verifying side trusts. */
  caFile: string;
  /** A server certificate and its key for `ip`, signed by this CA (PEM files). */
  issue(name: string, ip: string): { certFile: string; keyFile: string };
  remove(): void;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/**
 * A throwaway CA (openssl, P-256): made fresh in a temporary directory, so no key is ever kept in the repository and
 * each run's certificates are its own.
 */
export function testAuthority(label: string): TestAuthority {
  const dir = mkdtempSync(path.join(tmpdir(), `care-ca-${label}-`));
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', `/CN=care test ${label} CA`);
  return {
    caFile: path.join(dir, 'ca.pem'),
    issue(name, ip) {
      openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
      openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
      return { certFile: path.join(dir, `${name}.pem`), keyFile: path.join(dir, `${name}.key`) };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
