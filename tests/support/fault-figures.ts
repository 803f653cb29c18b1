import type { TestContext } from 'vitest';

/*
 * The figures of issue 14's fault tests. Each test records what it measured
 * in its task's meta (and prints it, so `npm test` shows it too); the faults
 * reporter gathers them into the one line `npm run test:faults` ends with.
 */

/** Every figure, in the order of the line; one no test measured is printed as `not_built`. */
export const FAULT_FIGURES = [
  'media_node_s',
  'signal_node_s',
  'cutoff_signal_s',
  'failover_lost_bookings',
  'mls_forks',
  'pipe_loss_decoding',
  'ice_restart_s',
  'lowbw_audio_gap_s',
  'lowbw_video_back_s',
  'churn_undecryptable',
] as const;
export type FaultFigure = (typeof FAULT_FIGURES)[number];
export type FaultFigures = Partial<Record<FaultFigure, number | string>>;

/** Counts that more than one test measures (both halves of fault 3, the failover and the cut): the line gives their sum. */
export const SUMMED_FIGURES: ReadonlySet<string> = new Set<FaultFigure>(['failover_lost_bookings', 'mls_forks']);

export function recordFault(context: Pick<TestContext, 'task'>, figures: FaultFigures): void {
  const meta = context.task.meta as { faults?: FaultFigures };
  meta.faults = { ...meta.faults, ...figures };
  const shown = Object.entries(figures).map(([name, value]) => `${name}=${typeof value === 'number' ? Number(value.toFixed(2)) : value}`);
  console.log(`fault figure: ${shown.join(' ')}`);
}
