import type { Reporter, SerializedError, TestModule } from 'vitest/node';
import { FAULT_FIGURES, SUMMED_FIGURES, type FaultFigures } from './fault-figures.js';

/**
 * Ends `npm run test:faults` with one line of every fault figure (issue 14):
 * what each test measured, `failed` where its test failed, `not_built` where
 * no test measures it yet.
 */
export default class FaultsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const figures: Record<string, string> = {};
    for (const error of unhandledErrors) console.error(`error: ${error.message}`);
    for (const module of testModules) {
      for (const error of module.errors()) console.error(`${module.moduleId}: ${error.message}`);
      for (const test of module.children.allTests()) {
        const result = test.result();
        const measured = (test.meta() as { faults?: FaultFigures }).faults ?? {};
        for (const [name, value] of Object.entries(measured)) {
          const shown = result.state === 'failed' ? 'failed' : typeof value === 'number' ? String(Number(value.toFixed(2))) : String(value);
          const earlier = figures[name];
          const summed = SUMMED_FIGURES.has(name) && earlier !== undefined;
          figures[name] = !summed ? shown : earlier === 'failed' || shown === 'failed' ? 'failed' : String(Number(earlier) + Number(shown));
        }
        if (result.state === 'failed') for (const error of result.errors ?? []) console.error(`${test.fullName}: ${error.message}`);
      }
    }
    const line = `faults: ${FAULT_FIGURES.map((name) => `${name}=${figures[name] ?? 'not_built'}`).join(' ')}`;
    // After the global teardown's own lines: at exit.
    process.once('exit', () => process.stdout.write(`${line}\n`));
  }
}
