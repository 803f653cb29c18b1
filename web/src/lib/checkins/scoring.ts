import { SCORE_RANGE, type ChangeCategory, type Instrument } from '@care/shared';
import { INSTRUMENT_DEFINITIONS, PHQ9_SELF_HARM_ITEM } from './instruments.js';

/*
 * The published scoring, on the device:
 * - WHO-5: the five answers (0–5) summed to a raw score 0–25, times 4 for a
 *   percentage 0–100 (WHO-5 manual). A raw score below 13 (≤ 48 %) is poor
 *   well-being, worth screening for depression; ≤ 28 % (raw ≤ 7) is likely
 *   depression (Topp, Østergaard, Søndergaard & Bech 2015, Psychother
 *   Psychosom 84:167–176).
 * - PHQ-9: nine answers (0–3) summed to 0–27; 5, 10, 15, 20 are the cut
 *   points of mild, moderate, moderately severe and severe (Kroenke, Spitzer
 *   & Williams 2001; PHQ instruction manual).
 * - GAD-7: seven answers (0–3) summed to 0–21; 5, 10, 15 are the cut points
 *   of mild, moderate and severe (Spitzer et al. 2006; same manual).
 */

export const BANDS = {
  who5: ['good', 'poor', 'very_poor'],
  phq9: ['minimal', 'mild', 'moderate', 'moderately_severe', 'severe'],
  gad7: ['minimal', 'mild', 'moderate', 'severe'],
} as const satisfies Record<Instrument, readonly string[]>;
export type Band = (typeof BANDS)[Instrument][number];

export interface Scored {
  instrument: Instrument;
  score: number;
  band: Band;
}

/** Lowest score of each band after the first, in order. */
const PHQ9_CUTS = [5, 10, 15, 20];
const GAD7_CUTS = [5, 10, 15];

function bandAt<B extends string>(bands: readonly B[], cuts: number[], score: number): B {
  return bands[cuts.filter((cut) => score >= cut).length] as B;
}

export function bandOf(instrument: Instrument, score: number): Band {
  switch (instrument) {
    case 'who5':
      return score <= 28 ? 'very_poor' : score <= 48 ? 'poor' : 'good';
    case 'phq9':
      return bandAt(BANDS.phq9, PHQ9_CUTS, score);
    case 'gad7':
      return bandAt(BANDS.gad7, GAD7_CUTS, score);
    default: {
      const unknown: never = instrument;
      throw new Error(`unknown instrument ${String(unknown)}`);
    }
  }
}

/** Scores a complete set of answers; anything else (missing, out of range) is refused, never guessed. */
export function score(instrument: Instrument, answers: readonly number[]): Scored {
  const definition = INSTRUMENT_DEFINITIONS[instrument];
  const allowed = new Set(definition.options.map((o) => o.value));
  if (answers.length !== definition.questions.length || !answers.every((a) => Number.isInteger(a) && allowed.has(a))) {
    throw new RangeError(`${instrument} needs ${definition.questions.length} answers from its scale`);
  }
  const raw = answers.reduce((sum, a) => sum + a, 0);
  const value = instrument === 'who5' ? raw * 4 : raw;
  if (value > SCORE_RANGE[instrument].max) throw new RangeError(`${instrument} score out of range`);
  return { instrument, score: value, band: bandOf(instrument, value) };
}

/** Any answer so far that calls for the crisis panel at once: PHQ-9 item 9 above "not at all". */
export function indicatesRisk(instrument: Instrument, answers: ReadonlyArray<number | undefined>): boolean {
  return instrument === 'phq9' && (answers[PHQ9_SELF_HARM_ITEM] ?? 0) > 0;
}

/**
 * The change the evaluation may count, from the first and last WHO-5
 * percentages of a cycle: 10 points or more either way is a change (the
 * WHO-5 literature's clinically relevant difference, Topp et al. 2015),
 * less is "about the same".
 */
export const WHO5_CHANGE_THRESHOLD = 10;

export function changeCategory(first: number, last: number): ChangeCategory {
  const change = last - first;
  if (change >= WHO5_CHANGE_THRESHOLD) return 'improved';
  if (change <= -WHO5_CHANGE_THRESHOLD) return 'worse';
  return 'same';
}
