import { SCORE_RANGE, type Instrument } from '@care/shared';
import { i18n, type MessageKey } from '../i18n/i18n.svelte.js';
import { INSTRUMENT_DEFINITIONS } from './instruments.js';
import { bandOf, type Band, type BANDS } from './scoring.js';

const BAND_KEYS: { [I in Instrument]: Record<(typeof BANDS)[I][number], MessageKey> } = {
  who5: { good: 'checkins.band.who5.good', poor: 'checkins.band.who5.poor', very_poor: 'checkins.band.who5.very_poor' },
  phq9: {
    minimal: 'checkins.band.minimal',
    mild: 'checkins.band.mild',
    moderate: 'checkins.band.moderate',
    moderately_severe: 'checkins.band.moderately_severe',
    severe: 'checkins.band.severe',
  },
  gad7: { minimal: 'checkins.band.minimal', mild: 'checkins.band.mild', moderate: 'checkins.band.moderate', severe: 'checkins.band.severe' },
};

/** The message naming a score's band, computed from the score (a received score is banded here, not trusted). */
export function bandKey(instrument: Instrument, score: number): MessageKey {
  const band: Band = bandOf(instrument, score);
  return (BAND_KEYS[instrument] as Record<string, MessageKey>)[band] as MessageKey;
}

/** "64 %" for WHO-5, "7 / 27" for PHQ-9. */
export function scoreText(instrument: Instrument, score: number): string {
  return instrument === 'who5' ? `${score} %` : `${score} / ${SCORE_RANGE[instrument].max}`;
}

export function instrumentTitle(instrument: Instrument): string {
  return INSTRUMENT_DEFINITIONS[instrument].title[i18n.locale];
}
