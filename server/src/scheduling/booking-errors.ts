import type { SlotProblem } from '@care/shared';
import { AppError } from '../errors.js';

/** A slot rule broken, in words for the person and a code for the program. */
export function slotProblemError(problem: SlotProblem, rules: { minNoticeHours: number; horizonDays: number; maxPerDay: number }): AppError {
  switch (problem) {
    case 'too_soon':
      return new AppError(
        'too_soon',
        rules.minNoticeHours > 0
          ? `That time is in the past or less than ${rules.minNoticeHours} hours from now. Please choose a later slot.`
          : 'That time is in the past. Please choose a later slot.',
      );
    case 'beyond_horizon':
      return new AppError('beyond_horizon', `Sessions can be booked at most ${rules.horizonDays} days ahead.`);
    case 'outside_availability':
      return new AppError('outside_availability', 'That time is not one of the counselor’s available slots.');
    case 'taken':
      return new AppError('slot_taken', 'That slot has just been taken. Please choose another one.');
    case 'day_full':
      return new AppError('day_full', `The counselor takes at most ${rules.maxPerDay} sessions that day, and the day is full.`);
  }
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * The fields of the unique index that refused an insert, when the server
 * says: MongoDB gives keyPattern (and names the index in the message);
 * FerretDB v1 says only "E11000 duplicate key error collection: db.coll",
 * and then this is undefined.
 */
export function duplicateKeyFields(error: unknown): string[] | undefined {
  if (!isDuplicateKey(error)) return undefined;
  const pattern = (error as { keyPattern?: unknown }).keyPattern;
  if (pattern && typeof pattern === 'object' && Object.keys(pattern).length > 0) return Object.keys(pattern);
  const index = /index: (\S+)/.exec((error as Error).message ?? '')?.[1];
  if (!index) return undefined;
  if (index === '_id_') return ['_id'];
  // 'clientId_1_startsAt_1' → ['clientId', 'startsAt']
  return index.split('_').filter((_, i) => i % 2 === 0);
}
