// `npm start`: the whole platform on embedded defaults. Starts Redis and
// FerretDB-on-PostgreSQL (unless REDIS_URL / MONGODB_URI point elsewhere),
// then the built server with the built web app and the demo accounts, and
// prints where to open it. Ctrl+C stops everything.
//
// The server applies production rules unless told otherwise; this script is
// the one place that asks for development (demo accounts, the dev outbox,
// copyable invite links, no second factor required, cookies without Secure
// on plain http).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from './embedded/stack.ts';

const repoDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stdout.write(`${line}\n`);

const stack = await startStack({ repoDir, purpose: 'dev', log });
const nodeEnv = process.env.NODE_ENV ?? 'development';
const demo = (process.env.SEED_DEMO ?? (nodeEnv === 'production' ? 'false' : 'true')) === 'true';

const server = spawn(process.execPath, [join(repoDir, 'server/dist/main.js')], {
  env: {
    ...process.env,
    REDIS_URL: stack.redisUrl,
    MONGODB_URI: stack.mongodbUri,
    WEB_BUILD_DIR: join(repoDir, 'web/build'),
    NODE_ENV: nodeEnv,
    SEED_DEMO: String(demo),
    // A busy port 3000 should not stop a newcomer: take another and say so.
    PORT_FALLBACK: process.env.PORT_FALLBACK ?? 'true',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    await stack.stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
server.once('exit', (code) => {
  if (!stopping) {
    log(`[care] the server stopped (exit code ${code ?? 'signal'})`);
    void stop(code ?? 1);
  }
});

server.stdout?.on('data', (chunk: Buffer) => {
  const text = chunk.toString();
  const ready = /CARE_ASN_READY (\S+)/.exec(text);
  if (!ready) {
    process.stdout.write(text);
    return;
  }
  log('');
  log(`  CARE ASN is running at ${ready[1]} (${nodeEnv === 'development' ? 'development mode: not for real people' : nodeEnv})`);
  log('');
  if (!demo) return;
  log('  Demo accounts (password after the email):');
  log('    counselor  konselor@demo.care-asn.id  demo-konselor');
  log('    ASN        asn@demo.care-asn.id       demo-asn');
  log('    admin      admin@demo.care-asn.id     demo-admin');
  log('    ASN        asn2@, asn3@, asn4@demo.care-asn.id  demo-asn  (members of the demo circle)');
  log('  Sign in as the counselor and the ASN in two browser windows (one may be private)');
  log('  and open the appointment that is on now; the circle meeting "Ruang Tenang" is on now');
  log('  too (Kelompok dukungan → Masuk). Ctrl+C stops everything.');
  log('');
});
