import { describe, expect, it } from 'vitest';
import { toValidationIssues } from '../result.js';
import { AvailabilityRules, AvailabilityRulesDraft } from './availability.js';

function issues(input: unknown) {
  const parsed = AvailabilityRules.safeParse(input);
  return parsed.success ? [] : toValidationIssues(parsed.error);
}

describe('availability rules', () => {
  it('fills the programme defaults', () => {
    expect(AvailabilityRules.parse({ weekly: [] })).toEqual({
      timeZone: 'Asia/Jakarta',
      weekly: [],
      exceptions: [],
      sessionMinutes: 50,
      bufferMinutes: 10,
      maxPerDay: 8,
      minNoticeHours: 12,
      horizonDays: 30,
    });
  });

  it('rejects overlapping ranges on the same weekday, naming both', () => {
    const found = issues({
      weekly: [
        { weekday: 'mon', start: '09:00', end: '12:00' },
        { weekday: 'mon', start: '11:00', end: '14:00' },
      ],
    });
    expect(found).toEqual([{ path: 'weekly.1', message: expect.stringMatching(/11:00–14:00 overlaps 09:00–12:00 on mon/) }]);
  });

  it('rejects a range inside another', () => {
    expect(issues({ weekly: [{ weekday: 'fri', start: '08:00', end: '17:00' }, { weekday: 'fri', start: '10:00', end: '11:00' }] })).toHaveLength(1);
  });

  it('allows touching ranges and the same hours on different days', () => {
    expect(
      issues({
        weekly: [
          { weekday: 'mon', start: '09:00', end: '12:00' },
          { weekday: 'mon', start: '12:00', end: '15:00' },
          { weekday: 'tue', start: '09:00', end: '12:00' },
          { weekday: 'sun', start: '20:00', end: '24:00' },
        ],
      }),
    ).toEqual([]);
  });

  it.each([
    [{ weekday: 'mon', start: '12:00', end: '12:00' }, 'weekly.0.end', /end must be after start/],
    [{ weekday: 'mon', start: '14:00', end: '09:00' }, 'weekly.0.end', /cannot cross midnight/],
    [{ weekday: 'mon', start: '9:00', end: '12:00' }, 'weekly.0.start', /HH:MM/],
    [{ weekday: 'mon', start: '24:00', end: '24:00' }, 'weekly.0.start', /HH:MM/],
    [{ weekday: 'mon', start: '09:00', end: '25:00' }, 'weekly.0.end', /HH:MM/],
    [{ weekday: 'mon', start: '09:00', end: '09:60' }, 'weekly.0.end', /HH:MM/],
    [{ weekday: 'monday', start: '09:00', end: '12:00' }, 'weekly.0.weekday', /./],
    [{ weekday: 'mon', start: '09:00', end: '09:30' }, 'weekly.0', /shorter than one session \(50 min\)/],
  ])('rejects %j at %s', (range, path, message) => {
    const found = issues({ weekly: [range] });
    expect(found.map((i) => i.path)).toContain(path);
    expect(found.find((i) => i.path === path)?.message).toMatch(message);
  });

  it('rejects unknown time zones, impossible dates, out-of-range settings and unknown fields', () => {
    expect(issues({ weekly: [], timeZone: 'WIB' }).map((i) => i.path)).toEqual(['timeZone']);
    expect(issues({ weekly: [], exceptions: ['2026-02-30'] }).map((i) => i.path)).toEqual(['exceptions.0']);
    expect(issues({ weekly: [], sessionMinutes: 5 }).map((i) => i.path)).toEqual(['sessionMinutes']);
    expect(issues({ weekly: [], bufferMinutes: -1 }).map((i) => i.path)).toEqual(['bufferMinutes']);
    expect(issues({ weekly: [], maxPerDay: 0 }).map((i) => i.path)).toEqual(['maxPerDay']);
    expect(issues({ weekly: [], horizonDays: 1.5 }).map((i) => i.path)).toEqual(['horizonDays']);
    expect(issues({ weekly: [], note: 'free text' }).map((i) => i.path)).toEqual(['']);
  });

  it('keeps each exception date once, in order', () => {
    expect(AvailabilityRules.parse({ weekly: [], exceptions: ['2026-08-17', '2026-03-20', '2026-08-17'] }).exceptions).toEqual([
      '2026-03-20',
      '2026-08-17',
    ]);
  });

  it('lets a draft leave the time zone to the server', () => {
    expect(AvailabilityRulesDraft.parse({ weekly: [] }).timeZone).toBeUndefined();
    expect(AvailabilityRulesDraft.safeParse({ weekly: [], timeZone: '+07:00' }).success).toBe(false);
  });
});
