import type { InvitedRole, ManagedUserView } from '@care/shared';
import type { Logger } from 'pino';
import type { AuthService } from '../auth/auth-service.js';
import type { Database } from '../db/database.js';
import type { UserDocument } from '../db/models/user.js';
import { AppError } from '../errors.js';

/**
 * Counselor and user management for admins: list people of a role, and
 * deactivate or reactivate them. Deactivating ends the person's sessions and
 * live connections at once; sign-in refuses them until reactivated. Nothing
 * here reads appointments: an admin never sees who booked whom.
 */
export class UserAdminService {
  constructor(
    private readonly db: Database,
    private readonly auth: AuthService,
    /** Drops the person's open Socket.IO connections (every node, through the adapter). */
    private readonly disconnectUser: (userId: string) => void,
    private readonly log: Logger,
  ) {}

  async list(role: InvitedRole): Promise<ManagedUserView[]> {
    const users = await this.db.users.find({ role }).sort({ displayName: 1 }).limit(2000);
    return users.map((user) => this.#view(user));
  }

  async setActive(userId: string, active: boolean): Promise<ManagedUserView> {
    const user = await this.db.users.findById(userId);
    if (!user || user.role === 'admin') throw new AppError('not_found', 'No such counselor or ASN account.');
    await this.db.users.updateOne({ _id: userId }, { $set: { active } });
    if (!active) {
      await this.auth.endSessionsOf(userId);
      this.disconnectUser(userId);
    }
    this.log.info({ userId, active }, active ? 'account reactivated' : 'account deactivated');
    user.active = active;
    return this.#view(user);
  }

  #view(user: UserDocument): ManagedUserView {
    return {
      id: user.id as string,
      displayName: user.displayName,
      email: user.email,
      role: user.role === 'counselor' ? 'counselor' : 'asn',
      agencyUnit: user.agencyUnit ?? null,
      active: user.active,
    };
  }
}
