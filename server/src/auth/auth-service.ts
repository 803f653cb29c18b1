import type { CurrentUser, LoginBody } from '@care/shared';
import { Locale } from '@care/shared';
import type { Database } from '../db/database.js';
import type { UserDocument } from '../db/models/user.js';
import { AppError } from '../errors.js';
import { decoyPasswordHash, verifyPassword } from './password.js';
import type { SessionRecord, SessionStore } from './session-store.js';

export function toCurrentUser(user: UserDocument): CurrentUser {
  return {
    id: user.id as string,
    displayName: user.displayName,
    role: user.role,
    timeZone: user.timeZone,
    locale: Locale.catch('id').parse(user.locale),
    consentAcceptedAt: user.consentAcceptedAt ? user.consentAcceptedAt.toISOString() : null,
  };
}

export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly sessions: SessionStore,
  ) {}

  /** Returns the new session token, or fails the same way for any wrong email or password. */
  async login(body: LoginBody): Promise<{ token: string; user: CurrentUser }> {
    const user = await this.db.users.findOne({ email: body.email });
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), body.password);
    if (!user || !valid) throw new AppError('invalid_credentials', 'Email or password is not correct.');
    const token = await this.sessions.create(user.id as string, user.role);
    return { token, user: toCurrentUser(user) };
  }

  async session(token: string | undefined): Promise<SessionRecord | undefined> {
    return token ? this.sessions.get(token) : undefined;
  }

  async currentUser(session: SessionRecord): Promise<CurrentUser> {
    const user = await this.db.users.findById(session.userId);
    if (!user) throw new AppError('unauthenticated', 'Your account no longer exists. Please sign in again.');
    return toCurrentUser(user);
  }

  /** Records that the person accepted the confidentiality terms; the first time counts. */
  async acceptConsent(userId: string): Promise<CurrentUser> {
    await this.db.users.updateOne({ _id: userId, consentAcceptedAt: null }, { $set: { consentAcceptedAt: new Date() } });
    const user = await this.db.users.findById(userId);
    if (!user) throw new AppError('unauthenticated', 'Your account no longer exists. Please sign in again.');
    return toCurrentUser(user);
  }

  async logout(token: string | undefined): Promise<void> {
    if (token) await this.sessions.destroy(token);
  }
}
