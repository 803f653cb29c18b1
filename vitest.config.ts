import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

/*
 * Unit test files share their worker process (vitest's `isolate: false`): each file still runs afresh, but what it
 * imports (the Svelte compiler, zod, ts-mls) is loaded once, not once per file. It holds because no unit test changes
 * the process for the next: none mocks modules or sets the environment, and fake timers are put back after each test.
 * CARE_TEST_ISOLATE=1 gives every file its own process again, to tell whether a failure comes from a file before it.
 *
 * The system tests keep a process per file unless CARE_SYSTEM_TESTS_SHARE_WORKER=1: sharing saves about a second per
 * file, but whether every file leaves the process clean for the next (no stray timer, socket or rejection) is known
 * only once a whole run has passed with it.
 */
const isolateUnit = process.env.CARE_TEST_ISOLATE === '1';
const isolateSystem = process.env.CARE_SYSTEM_TESTS_SHARE_WORKER !== '1';

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
          isolate: isolateUnit,
          include: ['shared/src/**/*.test.ts', 'media/src/**/*.test.ts', 'server/src/**/*.test.ts', 'web/src/**/*.test.ts', 'tests/deploy/**/*.test.ts'],
        },
      },
      {
        // Against real services: Redis, FerretDB on PostgreSQL, the mediasoup
        // worker, and Chromium. One stack for the run, started by globalSetup.
        // tests/hostile: what a modified client, a flood or the server itself
        // can do (issue 12), against the same real stack.
        test: {
          name: 'system',
          isolate: isolateSystem,
          include: ['tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/hostile/**/*.test.ts', 'tests/faults/**/*.test.ts'],
          globalSetup: ['tests/support/global-setup.ts'],
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
