import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Prints each test's summary lines (from its `meta.summary`) as the process
 * exits, after the services' shutdown lines, so the required last line of a
 * benchmark or of the fuzz run really is last.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const lines: string[] = [];
    let failed = unhandledErrors.length > 0;
    for (const error of unhandledErrors) console.error(`error: ${error.message}`);
    for (const module of testModules) {
      for (const error of module.errors()) {
        failed = true;
        console.error(`${module.moduleId}: ${error.message}`);
      }
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'failed') {
          failed = true;
          for (const error of result.errors ?? []) console.error(`${test.fullName}: ${error.message}`);
        }
        const summary = (test.meta() as { summary?: string[] }).summary;
        if (summary) lines.push(...summary);
      }
    }
    if (failed) console.error('failed');
    // After everything, the global teardown's own lines included: at exit (stdout is synchronous there on Linux).
    process.once('exit', () => {
      for (const line of lines) process.stdout.write(`${line}\n`);
    });
  }
}
