import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

/*
 * Test files share their worker process (vitest's `isolate: false`): each file still runs afresh, but what it imports
 * (the Svelte compiler, zod, ts-mls; for the system tests the server, mediasoup's client and playwright) is loaded
 * once, not once per file, which saves about three seconds per system test file. It holds because no test changes
 * the process for the next: none mocks modules or sets the environment, fake timers are put back after each test, and
 * every system test file closes what it started (its platform, browsers, sockets) in its own afterAll.
 * CARE_TEST_ISOLATE=1 gives every file its own process again, to tell whether a failure comes from a file before it.
 */
const isolate = process.env.CARE_TEST_ISOLATE === '1';

export default defineConfig({
  test: {
    projects: [
      {
        // Web managers are Svelte 5 rune modules (`*.svelte.ts`). Vitest's node environment compiles them as Svelte
        // does for the server (state as plain fields, deriveds computed on read): a unit test checks their logic;
        // reactivity and rendering are the browser tests' part.
        plugins: [svelte({ configFile: false })],
        test: {
          name: 'unit',
          isolate,
          include: ['shared/src/**/*.test.ts', 'media/src/**/*.test.ts', 'server/src/**/*.test.ts', 'web/src/**/*.test.ts', 'tests/deploy/**/*.test.ts', 'tests/support/**/*.test.ts'],
        },
      },
      {
        // Against real services: Redis, FerretDB on PostgreSQL, the mediasoup
        // worker, and Chromium. One stack for the run, started by globalSetup.
        // tests/hostile: what a modified client, a flood or the server itself
        // can do (issue 12), against the same real stack.
        test: {
          name: 'system',
          isolate,
          include: ['tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/hostile/**/*.test.ts', 'tests/faults/**/*.test.ts'],
          globalSetup: ['tests/support/global-setup.ts'],
          setupFiles: ['tests/support/protocol-conformance.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Benchmarks: run one at a time by `npm run bench:<name>`, never by `npm test`.
        test: {
          name: 'bench',
          include: ['tests/bench/**/*.bench.test.ts'],
          globalSetup: ['tests/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
