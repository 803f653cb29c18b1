import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints each benchmark's summary lines (from the test's `meta.summary`), and
 * nothing after them, so a benchmark's required last line really is last.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    let failed = false;
    for (const module of testModules) {
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
    if (failed) console.error('benchmark failed');
    for (const line of lines) console.log(line);
  }
}
