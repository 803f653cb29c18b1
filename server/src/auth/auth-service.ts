import type { CurrentUser, LoginAnswer, LoginBody, TotpLoginBody } from '@care/shared';
import { Locale } from '@care/shared';
import type { Database } from '../db/database.js';
import { LastKnown } from '../db/last-known.js';
import type { UserDocument } from '../db/models/user.js';
import { AppError } from '../errors.js';
import type { LoginChallenges } from './login-challenges.js';
import { decoyPasswordHash, verifyPassword } from './password.js';
import type { SessionRecord, SessionStore } from './session-store.js';
import type { TotpService } from './totp-service.js';

export function toCurrentUser(user: UserDocument, totpEnrolmentRequired: boolean): CurrentUser {
  return {
    id: user.id as string,
    displayName: user.displayName,
    role: user.role,
    timeZone: user.timeZone,
    locale: Locale.catch('id').parse(user.locale),
    consentAcceptedAt: user.consentAcceptedAt ? user.consentAcceptedAt.toISOString() : null,
    totpEnrolmentRequired,
  };
}

/** How long a silent database is waited for at a reconnect before the person's last known account is used. */
const KNOWN_USER_PATIENCE_MS = 1500;
/** A remembered account is used for at most this long after the database last showed it. */
const KNOWN_USER_FOR_MS = 12 * 3_600_000;

const gone = () => new AppError('unauthenticated', 'Your account no longer exists. Please sign in again.');

export class AuthService {
  readonly #lastKnown = new LastKnown<CurrentUser>(KNOWN_USER_PATIENCE_MS);

  constructor(
    private readonly db: Database,
    private readonly sessions: SessionStore,
    private readonly totp: TotpService,
    private readonly challenges: LoginChallenges,
  ) {}

  /**
   * A right password gives a session, or — when the account has a second
   * factor — a challenge to answer with a code (`loginWithTotp`). Any wrong
   * email or password fails the same way.
   */
  async login(body: LoginBody): Promise<{ token: string; user: CurrentUser } | { challenge: LoginAnswer }> {
    const user = await this.db.users.findOne({ email: body.email });
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), body.password);
    if (!user || !valid) throw new AppError('invalid_credentials', 'Email or password is not correct.');
    if (!user.active) throw new AppError('account_inactive', 'This account has been deactivated.');
    if (user.totpEnabledAt) {
      return { challenge: { secondFactor: 'totp', challenge: await this.challenges.create(user.id as string) } };
    }
    return this.#signIn(user);
  }

  /** The second step: the challenge from `login` and a code from the app (or a recovery code). */
  async loginWithTotp(body: TotpLoginBody): Promise<{ token: string; user: CurrentUser }> {
    const userId = await this.challenges.userId(body.challenge);
    if (!userId) throw new AppError('unauthenticated', 'The sign-in has expired. Please enter your password again.');
    const user = await this.db.users.findById(userId);
    if (!user?.active || !user.totpEnabledAt) throw new AppError('unauthenticated', 'Please sign in again.');
    await this.totp.verify(user, body.code);
    // One session per challenge, even if the same right code arrives twice at once.
    if (!(await this.challenges.consume(body.challenge))) throw new AppError('unauthenticated', 'Please sign in again.');
    return this.#signIn(user);
  }

  async #signIn(user: UserDocument): Promise<{ token: string; user: CurrentUser }> {
    const token = await this.sessions.create(user.id as string, user.role);
    return { token, user: this.view(user) };
  }

  async session(token: string | undefined): Promise<SessionRecord | undefined> {
    return token ? this.sessions.get(token) : undefined;
  }

  async user(session: SessionRecord): Promise<UserDocument> {
    const user = await this.db.users.findById(session.userId);
    if (!user) throw gone();
    if (!user.active) throw new AppError('account_inactive', 'This account has been deactivated.');
    return user;
  }

  /**
   * Who a live connection belongs to. While the database is down, a person
   * whose session is still valid in Redis is recognised from what this node
   * last read, so a dropped connection in a session can come back; a
   * deactivated account has no session left to come back with.
   */
  async currentUser(session: SessionRecord): Promise<CurrentUser> {
    const fresh = this.user(session).then((user) => this.view(user));
    return this.#lastKnown.freshOr(session.userId, fresh, () => Date.now() + KNOWN_USER_FOR_MS);
  }

  setLocale(userId: string, locale: Locale): Promise<CurrentUser> {
    return this.#setPreference(userId, { locale });
  }

  setTimeZone(userId: string, timeZone: string): Promise<CurrentUser> {
    return this.#setPreference(userId, { timeZone });
  }

  /** Last choice wins: a preference, not an exclusive claim. */
  async #setPreference(userId: string, preference: { locale: Locale } | { timeZone: string }): Promise<CurrentUser> {
    const user = await this.db.users.findByIdAndUpdate(userId, { $set: preference }, { new: true });
    if (!user) throw gone();
    return this.view(user);
  }

  /** Records that the person accepted the confidentiality terms; the first time counts. */
  async acceptConsent(userId: string): Promise<CurrentUser> {
    await this.db.users.updateOne({ _id: userId, consentAcceptedAt: null }, { $set: { consentAcceptedAt: new Date() } });
    const user = await this.db.users.findById(userId);
    if (!user) throw gone();
    return this.view(user);
  }

  async logout(token: string | undefined): Promise<void> {
    if (token) await this.sessions.destroy(token);
  }

  /** Ends every session of this person (deactivation). */
  async endSessionsOf(userId: string): Promise<void> {
    this.#lastKnown.forget(userId);
    await this.sessions.destroyAllOf(userId);
  }

  /** What the person and the web app see of the account. */
  view(user: UserDocument): CurrentUser {
    return toCurrentUser(user, this.totp.isRequired(user) && !user.totpEnabledAt);
  }
}
