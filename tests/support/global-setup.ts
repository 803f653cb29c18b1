import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import type { TestProject } from 'vitest/node';
import { postgresLayout } from '../../scripts/embedded/postgres.ts';
import { startStack } from '../../scripts/embedded/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    mongodbUri: string;
    /** Folders holding the embedded database's files (empty when MONGODB_URI points elsewhere). */
    databaseDirs: string[];
  }
}

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One real Redis and one FerretDB-on-PostgreSQL for the whole test run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startStack({ repoDir, purpose: 'test', log: (line) => console.log(line) });
  await dropTestDatabases(stack.mongodbUri);
  project.provide('redisUrl', stack.redisUrl);
  project.provide('mongodbUri', stack.mongodbUri);
  const dataDir = path.join(repoDir, '.data', 'test');
  project.provide(
    'databaseDirs',
    process.env.MONGODB_URI ? [] : [postgresLayout({ repoDir, dataDir, instance: 'test' }).base, path.join(dataDir, 'ferretdb')],
  );
  return () => stack.stop();
}

/** The test cluster outlives a run; databases left by an interrupted run are removed here. */
async function dropTestDatabases(uri: string): Promise<void> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const { databases } = await connection.db!.admin().listDatabases();
    for (const { name } of databases) {
      if (/^care_(test|e2e)_/.test(name)) await connection.useDb(name).dropDatabase();
    }
  } finally {
    await connection.close();
  }
}
