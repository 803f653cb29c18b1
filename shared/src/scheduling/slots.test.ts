import { describe, expect, it } from 'vitest';
import { AvailabilityRules, type AvailabilityRulesInput } from './availability.js';
import { calendarDateIn, minutesOfDayIn } from './time-zones.js';
import { freeSlots, freeSlotsWithEnds, gridStarts, nextFreeSlots, slotProblem } from './slots.js';

const rules = (input: Partial<AvailabilityRulesInput>) => AvailabilityRules.parse({ weekly: [], minNoticeHours: 0, ...input });
const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

// Monday 2 March 2026; the Sunday before at 00:00 UTC is "now" unless a test says otherwise.
const now = at('2026-03-01T00:00:00Z');
const mondayMorning = [{ weekday: 'mon', start: '09:00', end: '12:00' }] as const;

describe('the slot grid', () => {
  it('cuts a range into session + buffer steps while a whole session fits', () => {
    const r = rules({ weekly: [...mondayMorning] });
    expect(gridStarts(r, '2026-03-02').map((d) => d.toISOString())).toEqual([
      '2026-03-02T02:00:00.000Z',
      '2026-03-02T03:00:00.000Z',
      '2026-03-02T04:00:00.000Z',
    ]);
    // 11:00 + 50 min = 11:50: one minute less and the last session no longer fits.
    expect(gridStarts(rules({ weekly: [{ weekday: 'mon', start: '09:00', end: '11:49' }] }), '2026-03-02')).toHaveLength(2);
    expect(gridStarts(r, '2026-03-03')).toEqual([]);
  });

  it('follows session length and buffer', () => {
    const r = rules({ weekly: [...mondayMorning], sessionMinutes: 30, bufferMinutes: 0 });
    expect(gridStarts(r, '2026-03-02')).toHaveLength(6);
    const r2 = rules({ weekly: [...mondayMorning], sessionMinutes: 45, bufferMinutes: 15 });
    expect(gridStarts(r2, '2026-03-02').map((d) => minutesOfDayIn(d, 'Asia/Jakarta'))).toEqual([540, 600, 660]);
  });

  it('merges several ranges of a day in time order', () => {
    const r = rules({
      weekly: [
        { weekday: 'mon', start: '13:00', end: '14:00' },
        { weekday: 'mon', start: '08:00', end: '09:00' },
      ],
    });
    expect(gridStarts(r, '2026-03-02').map((d) => minutesOfDayIn(d, 'Asia/Jakarta'))).toEqual([480, 780]);
  });
});

describe('free slots in the three Indonesian zones', () => {
  it.each([
    ['Asia/Jakarta', 'WIB', '2026-03-02T02:00:00.000Z'],
    ['Asia/Makassar', 'WITA', '2026-03-02T01:00:00.000Z'],
    ['Asia/Jayapura', 'WIT', '2026-03-02T00:00:00.000Z'],
  ])('09:00 on Monday in %s (%s) is %s', (timeZone, _name, first) => {
    const slots = freeSlots(rules({ timeZone, weekly: [...mondayMorning] }), [], now, at('2026-03-03T00:00:00Z'), now);
    expect(slots[0]).toBe(first);
    expect(slots).toHaveLength(3);
    for (const slot of slots) expect(calendarDateIn(at(slot), timeZone)).toBe('2026-03-02');
  });

  it('places early-morning WIT slots on the previous UTC day', () => {
    // 06:00–08:00 WIT on Monday is 21:00–23:00 UTC on Sunday.
    const r = rules({ timeZone: 'Asia/Jayapura', weekly: [{ weekday: 'mon', start: '06:00', end: '08:00' }] });
    expect(freeSlots(r, [], at('2026-03-01T00:00:00Z'), at('2026-03-02T00:00:00Z'), now)).toEqual([
      '2026-03-01T21:00:00.000Z',
      '2026-03-01T22:00:00.000Z',
    ]);
  });

  it('spans a UTC day that holds two local days', () => {
    // Monday 00:00–24:00 UTC covers Monday 09:00 WIT to Tuesday 09:00 WIT.
    const r = rules({
      timeZone: 'Asia/Jayapura',
      weekly: [
        { weekday: 'mon', start: '22:00', end: '24:00' },
        { weekday: 'tue', start: '07:00', end: '09:00' },
      ],
    });
    const slots = freeSlots(r, [], at('2026-03-02T00:00:00Z'), at('2026-03-03T00:00:00Z'), now);
    expect(slots).toEqual(['2026-03-02T13:00:00.000Z', '2026-03-02T14:00:00.000Z', '2026-03-02T22:00:00.000Z', '2026-03-02T23:00:00.000Z']);
    expect(slots.map((s) => calendarDateIn(at(s), 'Asia/Jayapura'))).toEqual(['2026-03-02', '2026-03-02', '2026-03-03', '2026-03-03']);
  });

  it('gives each slot its end, one session later', () => {
    const [slot] = freeSlotsWithEnds(rules({ weekly: [...mondayMorning] }), [], now, at('2026-03-03T00:00:00Z'), now);
    expect(slot).toEqual({ startsAt: '2026-03-02T02:00:00.000Z', endsAt: '2026-03-02T02:50:00.000Z' });
  });

  it('takes [from, to) half open', () => {
    const r = rules({ weekly: [...mondayMorning] });
    expect(freeSlots(r, [], at('2026-03-02T03:00:00Z'), at('2026-03-02T04:00:00Z'), now)).toEqual(['2026-03-02T03:00:00.000Z']);
  });
});

describe('exceptions', () => {
  it('removes a whole local day (leave, a public holiday) and nothing else', () => {
    const r = rules({ weekly: [...mondayMorning], exceptions: ['2026-03-02'] });
    const slots = freeSlots(r, [], now, at('2026-03-10T00:00:00Z'), now);
    expect(slots.map((s) => calendarDateIn(at(s), r.timeZone))).toEqual(['2026-03-09', '2026-03-09', '2026-03-09']);
    expect(slotProblem(r, [], at('2026-03-02T02:00:00Z'), now)).toBe('outside_availability');
  });

  it('is a local date: a WIT exception on Monday removes Sunday-evening UTC slots', () => {
    const r = rules({ timeZone: 'Asia/Jayapura', weekly: [{ weekday: 'mon', start: '06:00', end: '08:00' }], exceptions: ['2026-03-02'] });
    expect(freeSlots(r, [], at('2026-03-01T00:00:00Z'), at('2026-03-03T00:00:00Z'), now)).toEqual([]);
  });
});

describe('bookings, buffer and daily maximum', () => {
  const r = rules({ weekly: [{ weekday: 'mon', start: '08:00', end: '17:00' }] });
  const day = [now, at('2026-03-03T00:00:00Z'), now] as const;

  it('takes a booked start out, by its start alone or its interval', () => {
    const all = freeSlots(r, [], ...day);
    expect(all).toHaveLength(9);
    expect(freeSlots(r, [at('2026-03-02T03:00:00Z')], ...day)).toEqual(all.filter((s) => s !== '2026-03-02T03:00:00.000Z'));
    expect(slotProblem(r, [at('2026-03-02T03:00:00Z')], at('2026-03-02T03:00:00Z'), now)).toBe('taken');
  });

  it('keeps the buffer around an off-grid booking (made before the counselor changed the grid)', () => {
    // 10:30–11:20 WIB blocks the 10:00 slot (ends 10:50, +10 buffer > 10:30) and the 11:00 one (starts < 11:20 + 10).
    const booked = [{ startsAt: at('2026-03-02T03:30:00Z'), endsAt: at('2026-03-02T04:20:00Z') }];
    const slots = freeSlots(r, booked, ...day).map((s) => minutesOfDayIn(at(s), 'Asia/Jakarta') / 60);
    expect(slots).toEqual([8, 9, 12, 13, 14, 15, 16]);
  });

  it('applies the buffer, and only the buffer, between back-to-back sessions', () => {
    // A session 07:10–08:00 WIB ends right at the 08:00 slot: with a 10 min buffer that slot is taken, without it free.
    const booked = [{ startsAt: at('2026-03-02T00:10:00Z'), endsAt: at('2026-03-02T01:00:00Z') }];
    expect(slotProblem(r, booked, at('2026-03-02T01:00:00Z'), now)).toBe('taken');
    expect(slotProblem(rules({ ...r, bufferMinutes: 0 }), booked, at('2026-03-02T01:00:00Z'), now)).toBeNull();
  });

  it('closes a day once it holds the maximum, counting by the counselor’s local day', () => {
    const capped = rules({ ...r, maxPerDay: 2 });
    const booked = [at('2026-03-02T01:00:00Z'), at('2026-03-02T02:00:00Z')];
    expect(freeSlots(capped, booked, ...day)).toEqual([]);
    expect(slotProblem(capped, booked, at('2026-03-02T05:00:00Z'), now)).toBe('day_full');
    expect(freeSlots(capped, [at('2026-03-02T01:00:00Z')], ...day)).toHaveLength(8);
    // A booking late on Sunday UTC that is Monday in WIB counts for Monday.
    const wibMonday = at('2026-03-01T17:30:00Z');
    expect(calendarDateIn(wibMonday, 'Asia/Jakarta')).toBe('2026-03-02');
    expect(freeSlots(rules({ ...capped, maxPerDay: 1 }), [wibMonday], ...day)).toEqual([]);
  });
});

describe('minimum notice and horizon', () => {
  const r = rules({
    weekly: (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((weekday) => ({ weekday, start: '09:00', end: '21:00' })),
    minNoticeHours: 12,
    horizonDays: 7,
  });
  // Monday 06:00 WIB.
  const monday6 = at('2026-03-01T23:00:00Z');

  it('offers nothing sooner than the minimum notice', () => {
    const slots = freeSlots(r, [], monday6, at('2026-03-03T00:00:00Z'), monday6);
    expect(slots.map((s) => minutesOfDayIn(at(s), 'Asia/Jakarta') / 60)).toEqual([18, 19, 20]);
    expect(slotProblem(r, [], at('2026-03-02T10:00:00Z'), monday6)).toBe('too_soon'); // 17:00 WIB, 11 h ahead
    expect(slotProblem(r, [], at('2026-03-02T11:00:00Z'), monday6)).toBeNull(); // 18:00 WIB, exactly 12 h
  });

  it('calls a slot in the past too soon', () => {
    expect(slotProblem(r, [], at('2026-02-23T02:00:00Z'), monday6)).toBe('too_soon');
    expect(slotProblem(rules({ ...r, minNoticeHours: 0 }), [], at('2026-03-01T13:00:00Z'), monday6)).toBe('too_soon');
  });

  it('offers nothing past the horizon (its last instant included)', () => {
    const slots = freeSlots(r, [], monday6, at('2026-04-01T00:00:00Z'), monday6);
    expect(slots.at(-1)).toBe('2026-03-08T13:00:00.000Z'); // Sunday 20:00 WIB, the last slot before Monday 06:00 a week on
    expect(Date.parse(slots.at(-1) ?? '') - monday6.getTime()).toBeLessThanOrEqual(7 * 24 * 3_600_000);
    const exactlySevenDays = rules({ ...r, weekly: [{ weekday: 'mon', start: '06:00', end: '07:00' }], minNoticeHours: 0 });
    expect(slotProblem(exactlySevenDays, [], at('2026-03-08T23:00:00Z'), monday6)).toBeNull();
    expect(slotProblem(exactlySevenDays, [], at('2026-03-15T23:00:00Z'), monday6)).toBe('beyond_horizon');
  });

  it('lists nothing when the window is empty', () => {
    expect(freeSlots(r, [], at('2026-05-01T00:00:00Z'), at('2026-05-02T00:00:00Z'), monday6)).toEqual([]);
    expect(freeSlots(r, [], monday6, monday6, monday6)).toEqual([]);
  });
});

describe('starts that are not on the grid', () => {
  const r = rules({ weekly: [...mondayMorning] });
  it.each([
    ['2026-03-02T02:05:00Z', 'five minutes off the grid'],
    ['2026-03-02T05:00:00Z', 'after the range'],
    ['2026-03-03T02:00:00Z', 'a day without availability'],
    ['2026-03-02T02:00:00.001Z', 'a millisecond off'],
  ])('%s (%s) is outside availability', (iso) => {
    expect(slotProblem(r, [], at(iso), now)).toBe('outside_availability');
  });
});

describe('no daylight-saving surprises (a real tz database, tried on a zone that has DST)', () => {
  const amsterdam = (weekly: AvailabilityRulesInput['weekly']) => rules({ timeZone: 'Europe/Amsterdam', weekly, horizonDays: 365 });

  it('keeps 09:00 local across the spring change', () => {
    const r = amsterdam([{ weekday: 'sun', start: '09:00', end: '10:00' }]);
    expect(freeSlots(r, [], at('2026-03-20T00:00:00Z'), at('2026-04-01T00:00:00Z'), now)).toEqual([
      '2026-03-22T08:00:00.000Z', // CET, UTC+1
      '2026-03-29T07:00:00.000Z', // CEST, UTC+2
    ]);
  });

  it('steps in real time through the missing hour, never into it', () => {
    // 01:00 CET to 05:00 CEST on 29 March is three real hours.
    const r = amsterdam([{ weekday: 'sun', start: '01:00', end: '05:00' }]);
    const slots = freeSlots(r, [], at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'), now);
    expect(slots).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']);
    expect(slots.map((s) => minutesOfDayIn(at(s), 'Europe/Amsterdam') / 60)).toEqual([1, 3, 4]);
  });

  it('steps in real time through the repeated hour, without duplicates', () => {
    // 01:00 CEST to 05:00 CET on 25 October is five real hours.
    const r = amsterdam([{ weekday: 'sun', start: '01:00', end: '05:00' }]);
    const slots = freeSlots(r, [], at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'), now);
    expect(slots).toHaveLength(5);
    expect(new Set(slots).size).toBe(5);
    for (let i = 1; i < slots.length; i++) expect(Date.parse(slots[i] ?? '') - Date.parse(slots[i - 1] ?? '')).toBe(HOUR);
  });
});

describe('freeSlots and slotProblem agree', () => {
  it('on every 5-minute start of two weeks, with bookings, an exception, a cap and a notice', () => {
    const r = rules({
      timeZone: 'Asia/Makassar',
      weekly: [
        { weekday: 'mon', start: '08:00', end: '12:00' },
        { weekday: 'mon', start: '13:00', end: '16:30' },
        { weekday: 'wed', start: '19:00', end: '24:00' },
        { weekday: 'sat', start: '00:00', end: '03:00' },
      ],
      exceptions: ['2026-03-09'],
      maxPerDay: 4,
      minNoticeHours: 30,
      horizonDays: 12,
      bufferMinutes: 5,
    });
    const booked = [at('2026-03-02T00:00:00Z'), { startsAt: at('2026-03-04T12:20:00Z'), endsAt: at('2026-03-04T13:30:00Z') }];
    const from = at('2026-03-01T00:00:00Z');
    const to = at('2026-03-15T00:00:00Z');
    const free = new Set(freeSlots(r, booked, from, to, now));
    expect(free.size).toBeGreaterThan(10);
    for (let t = from.getTime(); t < to.getTime(); t += 5 * 60_000) {
      const iso = new Date(t).toISOString();
      expect(slotProblem(r, booked, new Date(t), now) === null, iso).toBe(free.has(iso));
    }
  });
});

describe('nextFreeSlots', () => {
  it('gives the first few free slots from now, up to and including the horizon', () => {
    const r = rules({ weekly: [...mondayMorning], horizonDays: 8 });
    expect(nextFreeSlots(r, [at('2026-03-02T02:00:00Z')], now, 2)).toEqual([
      { startsAt: '2026-03-02T03:00:00.000Z', endsAt: '2026-03-02T03:50:00.000Z' },
      { startsAt: '2026-03-02T04:00:00.000Z', endsAt: '2026-03-02T04:50:00.000Z' },
    ]);
    expect(nextFreeSlots(r, [], now, 10)).toHaveLength(3); // the next Monday's 09:00 WIB is past the 8 days
    // Now is 00:00 WIT on Monday 2 March: that slot (no notice asked) and the one
    // exactly 8 days on, at the horizon, are both bookable.
    const edge = rules({ timeZone: 'Asia/Jayapura', weekly: [{ weekday: 'mon', start: '00:00', end: '01:00' }], horizonDays: 8 });
    expect(nextFreeSlots(edge, [], at('2026-03-01T15:00:00Z'), 5).map((s) => s.startsAt)).toEqual([
      '2026-03-01T15:00:00.000Z',
      '2026-03-08T15:00:00.000Z',
    ]);
  });
});
