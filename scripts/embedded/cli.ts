// Manual use: `node scripts/embedded/cli.ts up [--purpose dev|test]` runs the
// embedded services until SIGINT/SIGTERM. URLs go to stdout, progress to stderr.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack } from './stack.ts';

const usage = 'usage: node scripts/embedded/cli.ts up [--purpose dev|test] [--ferretdb PATH]';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      purpose: { type: 'string', default: 'dev' },
      ferretdb: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const purpose = values.purpose;
  if (positionals[0] !== 'up' || positionals.length !== 1 || (purpose !== 'dev' && purpose !== 'test')) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }

  const stack = await startStack({
    repoDir: resolve(import.meta.dirname, '..', '..'),
    purpose,
    ...(values.ferretdb ? { ferretdbBinary: values.ferretdb } : {}),
  });
  console.log(`REDIS_URL=${stack.redisUrl}`);
  console.log(`MONGODB_URI=${stack.mongodbUri}`);
  process.stderr.write('[services] running; stop with Ctrl-C or SIGTERM\n');
  // The services do not hold the event loop (see spawnService); this does. The
  // stack's signal handlers stop them and then end the process.
  setInterval(() => {}, 1 << 30);
}

main().catch((error: unknown) => {
  process.stderr.write(`[services] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
