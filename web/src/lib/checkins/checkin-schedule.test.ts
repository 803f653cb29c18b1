import { describe, expect, it } from 'vitest';
import type { CheckinRecord } from '@care/shared';
import { who5Due } from './checkin-schedule.js';

const who5 = (takenAt: string, sessionsUsed: number | null): CheckinRecord => ({
  id: crypto.randomUUID(),
  instrument: 'who5',
  answers: [3, 3, 3, 3, 3],
  score: 60,
  takenAt,
  sessionsUsed,
});

describe('when a WHO-5 check-in is due', () => {
  const now = new Date('2026-12-05T10:00:00Z');

  it('is due at intake, before any', () => {
    expect(who5Due([], 0, now)).toEqual({ due: true, reason: 'intake' });
  });

  it('is due four weeks after the last one', () => {
    expect(who5Due([who5('2026-11-07T10:00:00Z', 1)], 1, now)).toEqual({ due: true, reason: 'weeks' });
    expect(who5Due([who5('2026-11-08T10:00:00Z', 1)], 1, now)).toEqual({ due: false, nextBy: new Date('2026-12-06T10:00:00Z') });
  });

  it('is due three sessions after the last one, whichever comes first', () => {
    expect(who5Due([who5('2026-12-01T10:00:00Z', 1)], 4, now)).toEqual({ due: true, reason: 'sessions' });
    expect(who5Due([who5('2026-12-01T10:00:00Z', 1)], 3, now).due).toBe(false);
    expect(who5Due([who5('2026-12-01T10:00:00Z', null)], 9, now).due).toBe(false);
  });

  it('reads only WHO-5 results, the latest of them', () => {
    const phq: CheckinRecord = { ...who5('2026-12-04T10:00:00Z', 1), instrument: 'phq9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 0], score: 0 };
    expect(who5Due([phq], 1, now)).toEqual({ due: true, reason: 'intake' });
    expect(who5Due([who5('2026-12-02T10:00:00Z', 1), who5('2026-10-01T10:00:00Z', 0)], 1, now).due).toBe(false);
  });
});
