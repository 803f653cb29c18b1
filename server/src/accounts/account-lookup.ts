import type { AccountLookupView, CurrentUser } from '@care/shared';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { InviteService } from './invite-service.js';

/**
 * Staff find one account — or its invite — by its exact address, to resend
 * the invite or deactivate the account: never a list, never a pattern. The
 * address arrives normalised by the shared `Email` schema (trimmed, lower
 * case) and is matched as a plain string, so `.*`, `%` or a prefix match
 * only an address spelled that way. What it shows: role, unit, active, and
 * where the invite stands — no name (staff asked by address, and a name is
 * more than they need to act).
 */
export class AccountLookup {
  constructor(
    private readonly db: Database,
    private readonly invites: InviteService,
    private readonly log: Logger,
  ) {}

  async lookup(admin: CurrentUser, email: string): Promise<AccountLookupView> {
    const [account, invite] = await Promise.all([this.db.users.findOne({ email }).select({ role: 1, agencyUnit: 1, active: 1 }).lean(), this.invites.find(email)]);
    // An audit line by opaque id: who looked, and whether anything was there (never the address).
    this.log.info({ by: admin.id, found: account !== null || invite !== null }, 'account looked up by address');
    if (!account && !invite) throw new AppError('not_found', 'No account or invite has this address.');
    return {
      account: account ? { role: account.role, agencyUnit: account.agencyUnit ?? null, active: account.active } : null,
      invite,
    };
  }
}
