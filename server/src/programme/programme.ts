import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AccountCache } from '../auth/account-cache.js';
import type { Database } from '../db/database.js';
import { BookingChangeLock } from '../scheduling/booking-change-lock.js';
import type { Scheduling } from '../scheduling/scheduling.js';
import { AllowanceGrants } from './allowance-grants.js';
import { Caseload } from './caseload.js';
import { Evaluation } from './evaluation.js';
import { FollowUps } from './follow-ups.js';
import { Matching } from './matching.js';
import { MyCounselor } from './my-counselor.js';
import { PrivateNotes } from './notes.js';
import { ProgrammeModels } from './programme-models.js';

/** The programme around the sessions (issue 13): accompaniment with one counselor, the session allowance, private notes, matching and the evaluation of check-ins. */
export interface Programme {
  caseload: Caseload;
  myCounselor: MyCounselor;
  grants: AllowanceGrants;
  followUps: FollowUps;
  evaluation: Evaluation;
  models: ProgrammeModels;
  /** A counselor's private notes, as sealed ciphertext (§3). */
  notes: PrivateNotes;
  /** Ranking counselors for an intake's match request (§7). */
  matching: Matching;
}

export interface ProgrammeDeps {
  db: Database;
  redis: Redis;
  log: Logger;
  accounts: AccountCache;
  scheduling: Scheduling;
  now?: () => Date;
}

export async function createProgramme({ db, redis, log, accounts, scheduling, now = () => new Date() }: ProgrammeDeps): Promise<Programme> {
  const models = await ProgrammeModels.bind(db);
  const caseload = new Caseload(db, scheduling.allowance, accounts, now);
  const turns = new BookingChangeLock(redis, 10_000, {
    prefix: 'follow-up-proposal',
    busy: 'A proposal to this person is being made in another request. Please wait for it and try again.',
  });
  return {
    caseload,
    myCounselor: new MyCounselor(db, scheduling.availability, scheduling.allowance, now),
    grants: new AllowanceGrants(scheduling.models.allowanceGrants, scheduling.allowance, caseload, log, now),
    followUps: new FollowUps(db, models, scheduling, caseload, accounts, turns, log, now),
    evaluation: new Evaluation(db, models.evaluationClaims, models.evaluationContributions, log, now),
    models,
    notes: new PrivateNotes(models, caseload, log.child({ part: 'private-notes' }), now),
    matching: new Matching(scheduling.availability),
  };
}
