import type { AllowanceView, CurrentUser, GrantAllowanceBody } from '@care/shared';
import { Types, type Model } from 'mongoose';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { MAX_GRANTS_PER_YEAR, type AllowanceGrant } from '../scheduling/allowance-grant-model.js';
import { programmeYearOf, type AllowanceSeats } from '../scheduling/allowance-seats.js';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import { requireRole } from '../scheduling/scheduling-access.js';
import type { Caseload } from './caseload.js';

/**
 * More sessions this programme year for a person on the counselor's
 * caseload, with a reason code. Each grant is a numbered claim (1..4 a year,
 * unique), so however many arrive at once a year holds at most four; nothing
 * but the code, the number of sessions, who and when is recorded.
 */
export class AllowanceGrants {
  constructor(
    private readonly grants: Model<AllowanceGrant>,
    private readonly allowance: AllowanceSeats,
    private readonly caseload: Caseload,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  async grant(user: CurrentUser, clientId: string, body: GrantAllowanceBody): Promise<AllowanceView> {
    requireRole(user, ['counselor'], 'grant more sessions');
    await this.caseload.assertIncludes(user.id, clientId);
    const now = this.now();
    const year = programmeYearOf(now);
    for (;;) {
      const held = new Set((await this.grants.find({ clientId, year }).select({ grantNo: 1 }).lean()).map((g) => g.grantNo));
      const grantNo = Array.from({ length: MAX_GRANTS_PER_YEAR }, (_, i) => i + 1).find((n) => !held.has(n));
      if (grantNo === undefined) {
        throw new AppError('conflict', `This person has had ${MAX_GRANTS_PER_YEAR} grants this year already, the most a year can hold.`);
      }
      try {
        await this.grants.create({
          clientId: new Types.ObjectId(clientId),
          year,
          grantNo,
          counselorId: new Types.ObjectId(user.id),
          reason: body.reason,
          sessions: body.sessions,
          grantedAt: now,
        });
        break;
      } catch (error) {
        // Another grant took that number in between: read again.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    this.log.info({ year, sessions: body.sessions }, 'allowance granted');
    return this.allowance.view(clientId, year);
  }
}
