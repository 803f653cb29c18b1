import { z } from 'zod';
import { Instrument, SuggestedInstrument } from '../protocol/checkins.js';

/*
 * What an ASN's device keeps of their check-ins, sealed in its device vault
 * (web/src/lib/checkins/). Never sent: the schema lives here only so the
 * web app reads back exactly what it wrote.
 */

/** One completed questionnaire, as kept on the device (the answers never leave it). */
export const CheckinRecord = z.strictObject({
  id: z.string().uuid(),
  instrument: Instrument,
  answers: z.array(z.number().int().min(0).max(5)).max(9),
  score: z.number().int().min(0).max(100),
  takenAt: z.iso.datetime(),
  /** Sessions of the year used when it was taken (for "every few sessions"); null if unknown. */
  sessionsUsed: z.number().int().min(0).nullable(),
  /** When the person last showed it to their counselor, if ever. */
  sharedAt: z.iso.datetime().optional(),
});
export type CheckinRecord = z.infer<typeof CheckinRecord>;

export const CheckinJournalData = z.strictObject({
  results: z.array(CheckinRecord),
  /** Questionnaires the counselor suggested in a session, offered from then on. */
  suggested: z.array(SuggestedInstrument),
  /** Programme years this device sent an evaluation contribution for. */
  contributedCycles: z.array(z.number().int()),
});
export type CheckinJournalData = z.infer<typeof CheckinJournalData>;

