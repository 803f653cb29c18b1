import { calendarDateIn, NO_UNIT, type ContributeEvaluationBody, type CurrentUser, type EvaluationContributionView } from '@care/shared';
import { Types, type Model } from 'mongoose';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { PROGRAMME_TIME_ZONE, programmeYearOf } from '../scheduling/allowance-seats.js';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import { requireRole } from '../scheduling/scheduling-access.js';
import type { EvaluationClaim, EvaluationContribution } from './evaluation-models.js';

/**
 * The opt-in programme evaluation: at the end of a cycle an ASN's device
 * may send one change category (improved / about the same / worse, worked
 * out on the device from their first and last WHO-5). The claim {person,
 * cycle} is inserted first and refuses a second; the contribution carries
 * only the category, the account's unit and the month. If writing the
 * contribution fails the claim is taken back, so nothing is half-written
 * and the person may try again.
 */
export class Evaluation {
  constructor(
    private readonly db: Database,
    private readonly claims: Model<EvaluationClaim>,
    private readonly contributions: Model<EvaluationContribution>,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  async contribute(user: CurrentUser, body: ContributeEvaluationBody): Promise<EvaluationContributionView> {
    requireRole(user, ['asn'], 'contribute to the programme evaluation');
    const now = this.now();
    const cycle = programmeYearOf(now);
    const month = calendarDateIn(now, PROGRAMME_TIME_ZONE).slice(0, 7);
    const account = await this.db.users.findById(user.id).select({ agencyUnit: 1 }).lean();
    const unit = account?.agencyUnit ?? NO_UNIT;
    const claim = await this.claims.create({ personId: new Types.ObjectId(user.id), cycle }).catch((error: unknown) => {
      if (isDuplicateKey(error)) throw new AppError('already_contributed', 'Your change for this programme year is counted already; thank you.');
      throw error;
    });
    try {
      await this.contributions.create({ unit, month, change: body.change });
    } catch (error) {
      await this.claims.deleteOne({ _id: claim._id });
      throw error;
    }
    // Nothing about which person or what category: the claim is the only record that someone contributed.
    this.log.info('evaluation contribution counted');
    return { month, cycle };
  }
}
