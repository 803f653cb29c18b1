import { describe, expect, it } from 'vitest';
import { ApplicationPayload } from './chat.js';
import { ContributeEvaluationBody } from './checkins.js';

const id = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('check-in payloads, checked on receipt after decryption', () => {
  it('accept a result with a score its instrument can give, and item 9 with PHQ-9 only', () => {
    expect(ApplicationPayload.safeParse({ kind: 'checkin-result', id, instrument: 'who5', score: 52, takenOn: '2026-12-05' }).success).toBe(true);
    expect(ApplicationPayload.safeParse({ kind: 'checkin-result', id, instrument: 'phq9', score: 27, takenOn: '2026-12-05', selfHarmItem: 1 }).success).toBe(true);
    expect(ApplicationPayload.safeParse({ kind: 'checkin-result', id, instrument: 'gad7', score: 21, takenOn: '2026-12-05' }).success).toBe(true);
  });

  it('refuse what no honest device sends: impossible scores, item 9 out of place, answers, other fields', () => {
    const base = { kind: 'checkin-result', id, takenOn: '2026-12-05' };
    for (const forged of [
      { ...base, instrument: 'who5', score: 53 }, // not raw × 4
      { ...base, instrument: 'who5', score: 104 },
      { ...base, instrument: 'phq9', score: 28, selfHarmItem: 0 },
      { ...base, instrument: 'phq9', score: 5 }, // item 9 missing
      { ...base, instrument: 'gad7', score: 5, selfHarmItem: 0 },
      { ...base, instrument: 'gad7', score: -1 },
      { ...base, instrument: 'gad7', score: 2.5 },
      { ...base, instrument: 'k10', score: 10 },
      { ...base, instrument: 'who5', score: 52, answers: [5, 0, 4, 1, 3] },
      { ...base, instrument: 'who5', score: 52, takenOn: '5 Desember' },
    ]) {
      expect(ApplicationPayload.safeParse(forged).success, JSON.stringify(forged)).toBe(false);
    }
  });

  it('a suggestion names PHQ-9 or GAD-7 and nothing else', () => {
    expect(ApplicationPayload.safeParse({ kind: 'checkin-suggestion', id, instrument: 'phq9' }).success).toBe(true);
    expect(ApplicationPayload.safeParse({ kind: 'checkin-suggestion', id, instrument: 'who5' }).success).toBe(false);
    expect(ApplicationPayload.safeParse({ kind: 'checkin-suggestion', id, instrument: 'gad7', note: 'isi ya' }).success).toBe(false);
  });

  it('the evaluation body is the category alone', () => {
    expect(ContributeEvaluationBody.safeParse({ change: 'same' }).success).toBe(true);
    expect(ContributeEvaluationBody.safeParse({ change: 'same', unit: 'X' }).success).toBe(false);
    expect(ContributeEvaluationBody.safeParse({ change: 'better' }).success).toBe(false);
  });
});
