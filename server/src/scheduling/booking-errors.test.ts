import { describe, expect, it } from 'vitest';
import { duplicateKeyFields, isDuplicateKey, slotProblemError } from './booking-errors.js';

const duplicate = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code: 11000, ...extra });

describe('duplicate key errors', () => {
  it('reads the index from MongoDB’s keyPattern or message, and admits when FerretDB does not say', () => {
    expect(duplicateKeyFields(duplicate('E11000 …', { keyPattern: { counselorId: 1, startsAt: 1 } }))).toEqual(['counselorId', 'startsAt']);
    expect(duplicateKeyFields(duplicate('E11000 duplicate key error collection: db.appointments index: clientId_1_startsAt_1 dup key: { … }'))).toEqual([
      'clientId',
      'startsAt',
    ]);
    expect(duplicateKeyFields(duplicate('E11000 duplicate key error collection: db.cancelled_appointments index: _id_ dup key'))).toEqual(['_id']);
    // FerretDB v1's wording: no index named.
    expect(duplicateKeyFields(duplicate('E11000 duplicate key error collection: care.appointments'))).toBeUndefined();
    expect(duplicateKeyFields(new Error('boom'))).toBeUndefined();
    expect(isDuplicateKey({ code: 11000 })).toBe(true);
    expect(isDuplicateKey(null)).toBe(false);
  });
});

describe('slot problems as client errors', () => {
  const rules = { minNoticeHours: 12, horizonDays: 30, maxPerDay: 6 };
  it.each([
    ['too_soon', 'too_soon', 422, /12 hours/],
    ['beyond_horizon', 'beyond_horizon', 422, /30 days/],
    ['outside_availability', 'outside_availability', 422, /available slots/],
    ['taken', 'slot_taken', 409, /taken/],
    ['day_full', 'day_full', 409, /at most 6 sessions/],
  ] as const)('%s → %s (%d)', (problem, code, status, message) => {
    const error = slotProblemError(problem, rules);
    expect([error.code, error.status]).toEqual([code, status]);
    expect(error.message).toMatch(message);
  });
});
