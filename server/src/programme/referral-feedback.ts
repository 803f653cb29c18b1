import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { Mailer } from '../mail/mailer.js';
import type { Attendance } from '../reporting/attendance-model.js';
import { HeldSessions } from '../reporting/held-sessions.js';
import { ensureCollections } from '../scheduling/scheduling-models.js';
import { SessionFeedback } from './feedback.js';
import { feedbackClaimSchema, feedbackSchema, type Feedback, type FeedbackClaim } from './feedback-models.js';
import { ReferralInvitation } from './referral-invitation.js';
import { referralDecisionSchema, referralSchema, type Referral, type ReferralDecision } from './referral-models.js';
import { Referrals } from './referrals.js';

/** The collections of referrals (§5) and session feedback (§8), which the report (§9) reads too. */
export interface ReferralFeedbackModels {
  referrals: Model<Referral>;
  decisions: Model<ReferralDecision>;
  feedbackClaims: Model<FeedbackClaim>;
  feedback: Model<Feedback>;
}

export interface ReferralFeedback {
  referrals: Referrals;
  feedback: SessionFeedback;
  held: HeldSessions;
  models: ReferralFeedbackModels;
}

export interface ReferralFeedbackDeps {
  db: Database;
  attendance: Model<Attendance>;
  mailer: Mailer | null;
  appUrl: () => string;
  log: Logger;
  now?: () => Date;
}


/** Referral with consent and session feedback, on the platform's connection (models reused on a second bind). */
export async function createReferralFeedback({ db, attendance, mailer, appUrl, log, now = () => new Date() }: ReferralFeedbackDeps): Promise<ReferralFeedback> {
  const { models: bound } = db.connection;
  const models: ReferralFeedbackModels = {
    referrals: (bound.Referral as Model<Referral> | undefined) ?? db.connection.model('Referral', referralSchema),
    decisions: (bound.ReferralDecision as Model<ReferralDecision> | undefined) ?? db.connection.model('ReferralDecision', referralDecisionSchema),
    feedbackClaims: (bound.FeedbackClaim as Model<FeedbackClaim> | undefined) ?? db.connection.model('FeedbackClaim', feedbackClaimSchema),
    feedback: (bound.SessionFeedback as Model<Feedback> | undefined) ?? db.connection.model('SessionFeedback', feedbackSchema),
  };
  await ensureCollections(Object.values(models) as Model<unknown>[]);
  const held = new HeldSessions(db, attendance);
  return {
    referrals: new Referrals(db, models.referrals, models.decisions, held, new ReferralInvitation(mailer, appUrl, log), log, now),
    feedback: new SessionFeedback(models.feedbackClaims, models.feedback, held, log, now),
    held,
    models,
  };
}
