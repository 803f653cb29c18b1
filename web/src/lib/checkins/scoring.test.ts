import { describe, expect, it } from 'vitest';
import { bandOf, changeCategory, indicatesRisk, score } from './scoring.js';

describe('WHO-5 scoring (raw sum × 4)', () => {
  it('turns the raw score into a percentage', () => {
    expect(score('who5', [5, 5, 5, 5, 5])).toEqual({ instrument: 'who5', score: 100, band: 'good' });
    expect(score('who5', [0, 0, 0, 0, 0])).toEqual({ instrument: 'who5', score: 0, band: 'very_poor' });
    // Raw 13 = 52 %: just above the poor-well-being line (raw below 13).
    expect(score('who5', [3, 3, 3, 2, 2])).toEqual({ instrument: 'who5', score: 52, band: 'good' });
    expect(score('who5', [3, 3, 2, 2, 2]).score).toBe(48);
  });

  it('bands at raw < 13 (poor) and raw ≤ 7 (very poor)', () => {
    expect(bandOf('who5', 48)).toBe('poor');
    expect(bandOf('who5', 32)).toBe('poor');
    expect(bandOf('who5', 28)).toBe('very_poor');
  });

  it('refuses incomplete or out-of-scale answers', () => {
    expect(() => score('who5', [5, 5, 5, 5])).toThrow(RangeError);
    expect(() => score('who5', [6, 5, 5, 5, 5])).toThrow(RangeError);
    expect(() => score('who5', [1.5, 5, 5, 5, 5])).toThrow(RangeError);
  });
});

describe('PHQ-9 scoring (sum 0–27, bands at 5, 10, 15, 20)', () => {
  it('sums the nine answers', () => {
    expect(score('phq9', [0, 0, 0, 0, 0, 0, 0, 0, 0])).toEqual({ instrument: 'phq9', score: 0, band: 'minimal' });
    expect(score('phq9', [3, 3, 3, 3, 3, 3, 3, 3, 3])).toEqual({ instrument: 'phq9', score: 27, band: 'severe' });
    expect(score('phq9', [1, 1, 2, 2, 1, 1, 1, 1, 0])).toEqual({ instrument: 'phq9', score: 10, band: 'moderate' });
  });

  it('puts each boundary in the band it opens', () => {
    const bands = [0, 4, 5, 9, 10, 14, 15, 19, 20, 27].map((s) => bandOf('phq9', s));
    expect(bands).toEqual(['minimal', 'minimal', 'mild', 'mild', 'moderate', 'moderate', 'moderately_severe', 'moderately_severe', 'severe', 'severe']);
  });

  it('item 9 above "not at all" indicates risk, even before the rest is answered', () => {
    const answers: Array<number | undefined> = Array.from({ length: 9 }, () => undefined);
    expect(indicatesRisk('phq9', answers)).toBe(false);
    answers[8] = 1;
    expect(indicatesRisk('phq9', answers)).toBe(true);
    answers[8] = 0;
    expect(indicatesRisk('phq9', answers)).toBe(false);
    expect(indicatesRisk('gad7', [3, 3, 3, 3, 3, 3, 3])).toBe(false);
  });

  it('refuses a tenth answer or a 4', () => {
    expect(() => score('phq9', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow(RangeError);
    expect(() => score('phq9', [4, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow(RangeError);
  });
});

describe('GAD-7 scoring (sum 0–21, bands at 5, 10, 15)', () => {
  it('sums and bands', () => {
    expect(score('gad7', [3, 3, 3, 3, 3, 3, 3])).toEqual({ instrument: 'gad7', score: 21, band: 'severe' });
    expect(score('gad7', [1, 1, 1, 1, 1, 0, 0])).toEqual({ instrument: 'gad7', score: 5, band: 'mild' });
    expect([4, 5, 9, 10, 14, 15].map((s) => bandOf('gad7', s))).toEqual(['minimal', 'mild', 'mild', 'moderate', 'moderate', 'severe']);
  });
});

describe('the evaluation change category (first vs last WHO-5, ±10 points)', () => {
  it('is improved, about the same or worse', () => {
    expect(changeCategory(40, 52)).toBe('improved');
    expect(changeCategory(40, 50)).toBe('improved');
    expect(changeCategory(40, 48)).toBe('same');
    expect(changeCategory(40, 32)).toBe('same');
    expect(changeCategory(40, 30)).toBe('worse');
  });
});
