import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startStack } from '../../scripts/embedded/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    mongodbUri: string;
  }
}

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One real Redis and one FerretDB-on-PostgreSQL for the whole test run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startStack({ repoDir, purpose: 'test', log: (line) => console.log(line) });
  project.provide('redisUrl', stack.redisUrl);
  project.provide('mongodbUri', stack.mongodbUri);
  return () => stack.stop();
}
