import type { CurrentUser, FeedbackBody, FeedbackStatus } from '@care/shared';
import { isValidObjectId, Types, type Model } from 'mongoose';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { HeldSessions } from '../reporting/held-sessions.js';
import { monthOf } from '../reporting/report-months.js';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import { requireRole } from '../scheduling/scheduling-access.js';
import type { Feedback, FeedbackClaim } from './feedback-models.js';

const DAY = 86_400_000;
/** A session can be rated for this long after it began. */
export const FEEDBACK_WINDOW_DAYS = 30;

/**
 * Session feedback (issue 13 §8). The ASN of a held session may rate it once:
 * the claim (unique per appointment) is inserted first, then the rating,
 * which keeps only the session's month, 1–5 and chips — no account, no
 * session, no time. A rating whose write fails after its claim is lost, not
 * retried: a second rating of the same session would be worse.
 */
export class SessionFeedback {
  constructor(
    private readonly claims: Model<FeedbackClaim>,
    private readonly ratings: Model<Feedback>,
    private readonly held: HeldSessions,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  async status(user: CurrentUser, appointmentId: string): Promise<FeedbackStatus> {
    requireRole(user, ['asn'], 'rate a session');
    const session = await this.#ownHeld(user, appointmentId);
    const rated = (await this.claims.exists({ appointmentId: new Types.ObjectId(appointmentId) })) !== null;
    return { rated, open: !rated && this.#inWindow(session.startsAt) };
  }

  async rate(user: CurrentUser, body: FeedbackBody): Promise<FeedbackStatus> {
    requireRole(user, ['asn'], 'rate a session');
    const session = await this.#ownHeld(user, body.appointmentId);
    if (!this.#inWindow(session.startsAt)) throw new AppError('past_cutoff', `A session can be rated for ${FEEDBACK_WINDOW_DAYS} days after it.`);
    try {
      await this.claims.create({ appointmentId: new Types.ObjectId(body.appointmentId) });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw new AppError('conflict', 'This session has already been rated.');
    }
    await this.ratings.create({ month: monthOf(session.startsAt), rating: body.rating, chips: [...new Set(body.chips ?? [])] });
    // Nothing about the rating or the session goes to the log: it would pair them again.
    this.log.info('session rated');
    return { rated: true, open: false };
  }

  /** A held session of this ASN; any other id is "not found", revealing nothing. */
  async #ownHeld(user: CurrentUser, appointmentId: string): Promise<{ startsAt: Date }> {
    const session = isValidObjectId(appointmentId) ? await this.held.isHeld(new Types.ObjectId(appointmentId), user.id, this.now()) : null;
    if (!session) throw new AppError('not_found', 'No session of yours to rate has this id.');
    return session;
  }

  #inWindow(startsAt: Date): boolean {
    return this.now().getTime() - startsAt.getTime() <= FEEDBACK_WINDOW_DAYS * DAY;
  }
}
