import { z } from 'zod';
import { CalendarDateString, Weekday } from './calendar-date.js';
import { EndTime, StartTime, minutesOfDay } from './time-of-day.js';
import { DEFAULT_TIME_ZONE, TimeZoneName } from './time-zones.js';

/**
 * A counselor's availability: when they take 1:1 sessions, as wall-clock
 * ranges in their own time zone. Scheduling metadata only — no free text.
 */

export const DEFAULT_SESSION_MINUTES = 50;
export const DEFAULT_BUFFER_MINUTES = 10;
export const DEFAULT_MAX_PER_DAY = 8;
export const DEFAULT_MIN_NOTICE_HOURS = 12;
export const DEFAULT_HORIZON_DAYS = 30;

/** End after start, judged only when both are well-formed times (their own schemas report the rest). */
function endsAfterStart(range: { start: string; end: string }): boolean {
  if (!StartTime.safeParse(range.start).success || !EndTime.safeParse(range.end).success) return true;
  return minutesOfDay(range.end) > minutesOfDay(range.start);
}

/** One weekly recurring range, e.g. every Monday 09:00–12:00 local time. */
export const WeeklyRange = z.strictObject({ weekday: Weekday, start: StartTime, end: EndTime }).refine(endsAfterStart, {
  message: 'end must be after start (a range cannot cross midnight; split it into two days)',
  path: ['end'],
});
export type WeeklyRange = z.infer<typeof WeeklyRange>;

/** The settings beside the ranges; each has the programme's default. */
export const availabilitySettingsShape = {
  weekly: z.array(WeeklyRange).max(70, 'at most 70 ranges (10 a day)'),
  /** Local dates the counselor takes no sessions at all (leave, public holidays). Sorted, without repeats. */
  exceptions: z
    .array(CalendarDateString)
    .max(400, 'at most 400 dates')
    .default([])
    .transform((dates) => [...new Set(dates)].sort()),
  sessionMinutes: z.number().int().min(15).max(180).default(DEFAULT_SESSION_MINUTES),
  bufferMinutes: z.number().int().min(0).max(120).default(DEFAULT_BUFFER_MINUTES),
  maxPerDay: z.number().int().min(1).max(24).default(DEFAULT_MAX_PER_DAY),
  minNoticeHours: z.number().int().min(0).max(720).default(DEFAULT_MIN_NOTICE_HOURS),
  horizonDays: z.number().int().min(1).max(365).default(DEFAULT_HORIZON_DAYS),
};

export interface RangeProblem {
  /** Index into `weekly`. */
  index: number;
  message: string;
}

/**
 * What is wrong with a set of ranges as a whole: two ranges on the same
 * weekday that overlap (touching, 09:00–12:00 and 12:00–15:00, is fine), and
 * ranges too short to hold a single session. Ranges with malformed times are
 * left to their own schema.
 */
export function rangeProblems(weekly: readonly WeeklyRange[], sessionMinutes: number): RangeProblem[] {
  const problems: RangeProblem[] = [];
  const valid = weekly
    .map((range, index) => ({ range, index }))
    .filter(({ range }) => WeeklyRange.safeParse(range).success)
    .map(({ range, index }) => ({ range, index, start: minutesOfDay(range.start), end: minutesOfDay(range.end) }));
  for (const a of valid) {
    if (a.end - a.start < sessionMinutes) {
      problems.push({ index: a.index, message: `${a.range.start}–${a.range.end} is shorter than one session (${sessionMinutes} min)` });
    }
    for (const b of valid) {
      if (b.index >= a.index || b.range.weekday !== a.range.weekday) continue;
      if (a.start < b.end && b.start < a.end) {
        problems.push({
          index: a.index,
          message: `${a.range.start}–${a.range.end} overlaps ${b.range.start}–${b.range.end} on ${a.range.weekday} (ranges of a day must not overlap)`,
        });
      }
    }
  }
  return problems;
}

/** The ranges as a whole (overlaps, too short), for any schema holding weekly ranges and a session length. */
export function checkRanges(value: { weekly: WeeklyRange[]; sessionMinutes: number }, ctx: z.RefinementCtx): void {
  for (const problem of rangeProblems(value.weekly, value.sessionMinutes)) {
    ctx.addIssue({ code: 'custom', path: ['weekly', problem.index], message: problem.message });
  }
}

/** Complete rules, as stored and as the slot maths reads them. */
export const AvailabilityRules = z
  .strictObject({ timeZone: TimeZoneName.default(DEFAULT_TIME_ZONE), ...availabilitySettingsShape })
  .superRefine(checkRanges);
export type AvailabilityRules = z.output<typeof AvailabilityRules>;
export type AvailabilityRulesInput = z.input<typeof AvailabilityRules>;

/** The same rules where the time zone may be left out (the server then takes the counselor's own). */
export const AvailabilityRulesDraft = z
  .strictObject({ timeZone: TimeZoneName.optional(), ...availabilitySettingsShape })
  .superRefine(checkRanges);
export type AvailabilityRulesDraft = z.output<typeof AvailabilityRulesDraft>;
