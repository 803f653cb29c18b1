import type { CurrentUser, LookedUpAccount, ManagedUserView, StaffRole } from '@care/shared';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuthService } from '../auth/auth-service.js';
import type { Database } from '../db/database.js';
import type { UserDocument } from '../db/models/user.js';
import { AppError } from '../errors.js';
import { TurnLock } from '../turn-lock.js';

/** Every change of an administrator's state, on every node, one at a time. */
const ADMIN_ROSTER_KEY = 'admin-roster';

/**
 * Account management for admins: list staff (counselors and administrators
 * — never ASN, who are found one at a time by address, see AccountLookup),
 * and deactivate or reactivate an account. Deactivating ends the person's
 * sessions and live connections at once; sign-in refuses them until
 * reactivated. Nothing here reads appointments: an admin never sees who
 * booked whom.
 *
 * Administrators can be deactivated by another administrator, never by
 * themselves, and never the last active one. "Last" is a read-then-write
 * rule, and FerretDB's conditional updates are not atomic, so every change
 * to an administrator runs alone under a Redis turn lock: two admins
 * deactivating each other at once leave one of them active.
 */
export class UserAdminService {
  readonly #roster: TurnLock;

  constructor(
    private readonly db: Database,
    private readonly auth: AuthService,
    redis: Redis,
    private readonly log: Logger,
  ) {
    this.#roster = new TurnLock(redis, { ttlMs: 10_000, maxWaitMs: 10_000, busyMessage: 'Another change to administrators is under way. Please try again.' });
  }

  async list(role: StaffRole): Promise<ManagedUserView[]> {
    const users = await this.db.users.find({ role }).sort({ displayName: 1 }).limit(2000);
    return users.map((user) => this.#view(user));
  }

  /** A staff account, by the id the staff list shows. An ASN account is not found this way (see `setActiveByEmail`). */
  async setActive(admin: CurrentUser, userId: string, active: boolean): Promise<ManagedUserView> {
    const user = await this.db.users.findById(userId);
    if (!user || user.role === 'asn') throw new AppError('not_found', 'No such counselor or administrator.');
    return this.#view(await this.#change(admin, user, active));
  }

  /** Any account, by its exact address: what staff do for an ASN they were asked about. */
  async setActiveByEmail(admin: CurrentUser, email: string, active: boolean): Promise<LookedUpAccount> {
    const user = await this.db.users.findOne({ email });
    if (!user) throw new AppError('not_found', 'No account has this address.');
    const changed = await this.#change(admin, user, active);
    return { role: changed.role, agencyUnit: changed.agencyUnit ?? null, active: changed.active };
  }

  async #change(admin: CurrentUser, user: UserDocument, active: boolean): Promise<UserDocument> {
    if (user.id === admin.id && !active) throw new AppError('forbidden', 'You cannot deactivate your own account.');
    if (user.role !== 'admin') return this.#apply(admin, user, active);
    return this.#roster.hold(ADMIN_ROSTER_KEY, async () => {
      if (!active && !(await this.db.users.exists({ role: 'admin', active: true, _id: { $ne: user._id } }))) {
        throw new AppError('last_admin', 'This is the last active administrator: activate another one first.');
      }
      return this.#apply(admin, user, active);
    });
  }

  async #apply(admin: CurrentUser, user: UserDocument, active: boolean): Promise<UserDocument> {
    const userId = user.id as string;
    await this.db.users.updateOne({ _id: user._id }, { $set: { active } });
    if (!active) {
      // Every sign-in ended, and each of its connections on every node told why, then closed (SessionSockets, through
      // the notice stream: a deactivation is not lost to a Redis failover, and nobody is cut off before being told).
      await this.auth.endSessionsOf(userId);
    }
    // Who did it to whom, by opaque ids: an audit line, and no name or address.
    this.log.info({ by: admin.id, userId, role: user.role, active }, active ? 'account reactivated' : 'account deactivated');
    user.active = active;
    return user;
  }

  #view(user: UserDocument): ManagedUserView {
    return {
      id: user.id as string,
      displayName: user.displayName,
      email: user.email,
      role: user.role,
      agencyUnit: user.agencyUnit ?? null,
      active: user.active,
    };
  }
}
