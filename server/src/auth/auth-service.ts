import { randomBytes } from 'node:crypto';
import type { ChangePasswordBody, CurrentUser, LoginAnswer, LoginBody, SessionEndReason, TotpLoginBody } from '@care/shared';
import { Locale } from '@care/shared';
import type { Database } from '../db/database.js';
import type { CacheInvalidations } from '../node-cache/cache-invalidations.js';
import type { AccountCache, AccountSnapshot } from './account-cache.js';
import { LastKnown } from '../db/last-known.js';
import type { UserDocument } from '../db/models/user.js';
import { AppError } from '../errors.js';
import type { AttemptLimits } from './attempt-limits.js';
import type { LoginChallenges } from './login-challenges.js';
import { decoyPasswordHash, hashPassword, verifyPassword } from './password.js';
import type { SessionEndings } from './session-endings.js';
import type { ReadSession, Session, SessionStore } from './session-store.js';
import type { TotpService } from './totp-service.js';

/** What the person's own view is made of: a stored account, or this node's snapshot of it. */
type AccountView = Pick<AccountSnapshot, 'displayName' | 'role' | 'timeZone' | 'locale'> & {
  id?: unknown;
  consentAcceptedAt?: Date | null;
  totpEnabledAt?: Date | null;
};

export function toCurrentUser(user: AccountView, totpEnrolmentRequired: boolean): CurrentUser {
  return {
    id: String(user.id),
    displayName: user.displayName,
    role: user.role,
    timeZone: user.timeZone,
    locale: Locale.catch('id').parse(user.locale),
    consentAcceptedAt: user.consentAcceptedAt ? user.consentAcceptedAt.toISOString() : null,
    totpEnrolmentRequired,
  };
}

/** A new sign-in: the cookie token, the sign-in itself, and who it is. */
export interface SignedIn {
  token: string;
  session: Session;
  user: CurrentUser;
}

export interface AuthServiceDeps {
  db: Database;
  sessions: SessionStore;
  totp: TotpService;
  challenges: LoginChallenges;
  limits: AttemptLimits;
  /** Drops the live connections of ended sign-ins, on every node. */
  endings: SessionEndings;
  /** Accounts in this node's memory, and the feed that keeps them (and the node's other caches) current. */
  accounts: AccountCache;
  invalidations: CacheInvalidations;
}

/** How a long a silent database is waited for at a reconnect before the person's last known account is used. */
const KNOWN_USER_PATIENCE_MS = 1500;
/** A remembered account is used for at most this long after the database last showed it. */
const KNOWN_USER_FOR_MS = 12 * 3_600_000;

const gone = () => new AppError('unauthenticated', 'Your account no longer exists. Please sign in again.');
const stale = () => new AppError('unauthenticated', 'Your password was changed. Please sign in again.');

/** A fresh password stamp (see `passwordStamp` on the user). */
export const newPasswordStamp = () => randomBytes(16).toString('base64url');

/**
 * Sign-in and the life of a sign-in: password (and second factor) checks
 * under attempt limits, sessions, renewing the cookie when the account's
 * security changes, and ending sign-ins — with their live connections —
 * on sign-out, password changes and deactivation.
 */
export class AuthService {
  readonly #lastKnown = new LastKnown<CurrentUser>(KNOWN_USER_PATIENCE_MS);
  readonly #db: Database;
  readonly #sessions: SessionStore;
  readonly #totp: TotpService;
  readonly #challenges: LoginChallenges;
  readonly #limits: AttemptLimits;
  readonly #endings: SessionEndings;
  readonly #accounts: AccountCache;
  readonly #invalidations: CacheInvalidations;

  constructor(deps: AuthServiceDeps) {
    this.#accounts = deps.accounts;
    this.#invalidations = deps.invalidations;
    this.#db = deps.db;
    this.#sessions = deps.sessions;
    this.#totp = deps.totp;
    this.#challenges = deps.challenges;
    this.#limits = deps.limits;
    this.#endings = deps.endings;
  }

  /**
   * A right password gives a sign-in, or — when the account has a second
   * factor — a challenge to answer with a code (`loginWithTotp`). Any wrong
   * email or password fails the same way. Counted before it is checked.
   */
  async login(body: LoginBody, address: string | undefined): Promise<SignedIn | { challenge: LoginAnswer }> {
    const attempt = await this.#limits.login.begin({ subject: body.email, address });
    const user = await this.#db.users.findOne({ email: body.email });
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), body.password);
    if (!user || !valid) throw new AppError('invalid_credentials', 'Email or password is not correct.');
    if (!user.active) throw new AppError('account_inactive', 'This account has been deactivated.');
    await attempt.succeeded();
    // The stamp read with the hash: a password changed before the code step voids this challenge.
    const passwordStamp = user.passwordStamp ?? null;
    if (user.totpEnabledAt) {
      return { challenge: { secondFactor: 'totp', challenge: await this.#challenges.create({ userId: user.id as string, passwordStamp }) } };
    }
    return this.#signIn(user, passwordStamp);
  }

  /** The second step: the challenge from `login` and a code from the app (or a recovery code). */
  async loginWithTotp(body: TotpLoginBody, address: string | undefined): Promise<SignedIn> {
    const pending = await this.#challenges.pending(body.challenge);
    if (!pending) throw new AppError('unauthenticated', 'The sign-in has expired. Please enter your password again.');
    const user = await this.#db.users.findById(pending.userId);
    if (!user?.active || !user.totpEnabledAt || (user.passwordStamp ?? null) !== pending.passwordStamp) {
      throw new AppError('unauthenticated', 'Please sign in again.');
    }
    await this.#totp.verify(user, body.code, address);
    // One sign-in per challenge, even if the same right code arrives twice at once.
    if (!(await this.#challenges.consume(body.challenge))) throw new AppError('unauthenticated', 'Please sign in again.');
    return this.#signIn(user, pending.passwordStamp);
  }

  async #signIn(user: UserDocument, passwordStamp: string | null): Promise<SignedIn> {
    const { token, session } = await this.#sessions.create({ userId: user.id as string, role: user.role, passwordStamp });
    return { token, session, user: this.view(user) };
  }

  /** The live sign-in behind a cookie token (renewed for another idle period), if any. */
  async session(token: string | undefined): Promise<ReadSession | undefined> {
    return token ? this.#sessions.get(token) : undefined;
  }

  /** A live connection's activity: renews its sign-in and says how long it now has (ms); undefined once it is over. */
  keepAlive(session: Pick<Session, 'ref'>): Promise<number | undefined> {
    return this.#sessions.keepAlive(session.ref);
  }

  /** How long a sign-in has left without renewing it (ms); undefined once it is over. */
  timeLeft(session: Pick<Session, 'ref'>): Promise<number | undefined> {
    return this.#sessions.timeLeft(session.ref);
  }

  /** The whole account behind a sign-in, read fresh (its own security settings); void sign-ins and inactive accounts refused. */
  async user(session: Session): Promise<UserDocument> {
    return this.#admitted(session, await this.#db.users.findById(session.userId));
  }

  /**
   * Who is signed in, for a request on its way: this node's snapshot of the
   * account, once the node has applied every invalidation sent before the
   * sign-in was read, so a change answered before this request began (a
   * deactivation, a new password, another time zone) is seen here, whichever
   * node made it. Every node cache the request reads afterwards is as current.
   */
  async signedIn(session: ReadSession): Promise<CurrentUser> {
    await this.#invalidations.catchUp(session.writeMark);
    return this.view(await this.#admitted(session, await this.#accounts.get(session.userId)));
  }

  /** A sign-in goes on only with its account there, active, and still under the password it was opened with. */
  async #admitted<A extends { passwordStamp?: string | null; active: boolean }>(session: Session, account: A | null): Promise<A> {
    if (!account) throw gone();
    if ((account.passwordStamp ?? null) !== session.passwordStamp) {
      // Opened with a password that has since changed (perhaps racing the change): void.
      await this.#end(session, 'password_changed');
      throw stale();
    }
    if (!account.active) throw new AppError('account_inactive', 'This account has been deactivated.');
    return account;
  }

  /**
   * Who a live connection belongs to. While the database is down, a person
   * whose session is still valid in Redis is recognised from what this node
   * last read, so a dropped connection in a session can come back; a
   * deactivated account has no session left to come back with.
   */
  async currentUser(session: ReadSession): Promise<CurrentUser> {
    return this.#lastKnown.freshOr(session.userId, this.signedIn(session), () => Date.now() + KNOWN_USER_FOR_MS);
  }

  setLocale(userId: string, locale: Locale): Promise<CurrentUser> {
    return this.#setPreference(userId, { locale });
  }

  setTimeZone(userId: string, timeZone: string): Promise<CurrentUser> {
    return this.#setPreference(userId, { timeZone });
  }

  /** Last choice wins: a preference, not an exclusive claim. */
  async #setPreference(userId: string, preference: { locale: Locale } | { timeZone: string }): Promise<CurrentUser> {
    const user = await this.#db.users.findByIdAndUpdate(userId, { $set: preference }, { new: true });
    if (!user) throw gone();
    return this.view(user);
  }

  /** Records that the person accepted the confidentiality terms; the first time counts. */
  async acceptConsent(userId: string): Promise<CurrentUser> {
    await this.#db.users.updateOne({ _id: userId, consentAcceptedAt: null }, { $set: { consentAcceptedAt: new Date() } });
    const user = await this.#db.users.findById(userId);
    if (!user) throw gone();
    return this.view(user);
  }

  /** Signs out: the sign-in ends, and so do its live connections on every node (only its own). */
  async logout(token: string | undefined): Promise<void> {
    const ended = token ? await this.#sessions.destroy(token) : undefined;
    if (ended) this.#endings.endSessions([ended.sid], 'signed_out');
  }

  /**
   * The same sign-in under a new cookie (a second factor turned on or off):
   * the old token stops working, and connections opened with it are told to
   * connect again with the new one.
   */
  async renew(session: Session, changes: { passwordStamp?: string | null } = {}): Promise<{ token: string; session: Session }> {
    const renewed = await this.#sessions.renew(session, changes);
    this.#endings.endSessions([session.sid], 'renewed');
    return renewed;
  }

  /**
   * Changes the password after checking the current one (counted per account
   * and address first). Every other sign-in of the person ends with its
   * connections; this one goes on under a new cookie.
   */
  async changePassword(session: Session, body: ChangePasswordBody, address: string | undefined): Promise<{ token: string; session: Session }> {
    await this.#limits.passwordChange.guard({ subject: session.userId, address }, async () => {
      const user = await this.user(session);
      if (!(await verifyPassword(user.passwordHash, body.currentPassword))) {
        throw new AppError('invalid_credentials', 'The current password is not correct.', [{ path: 'currentPassword', message: 'is not correct' }]);
      }
    });
    if (body.newPassword === body.currentPassword) {
      throw new AppError('invalid_payload', 'The new password must differ from the current one.', [{ path: 'newPassword', message: 'is the current password' }]);
    }
    const passwordStamp = await this.setPassword(session.userId, body.newPassword);
    this.#endings.endSessions(await this.#sessions.destroyAllOf(session.userId, session.ref), 'password_changed');
    return this.renew(session, { passwordStamp });
  }

  /** Stores a new password with a new stamp; sign-ins opened with the old one are void from now on. */
  async setPassword(userId: string, password: string): Promise<string> {
    const passwordStamp = newPasswordStamp();
    const updated = await this.#db.users.updateOne({ _id: userId }, { $set: { passwordHash: await hashPassword(password), passwordStamp } });
    if (updated.matchedCount === 0) throw gone();
    return passwordStamp;
  }

  /** Ends every sign-in of this person and drops their connections on every node (deactivation, a password reset). */
  async endSessionsOf(userId: string, reason: SessionEndReason = 'deactivated'): Promise<void> {
    this.#lastKnown.forget(userId);
    await this.#sessions.destroyAllOf(userId);
    this.#endings.endUser(userId, reason);
  }

  async #end(session: Session, reason: SessionEndReason): Promise<void> {
    await this.#sessions.remove(session);
    this.#endings.endSessions([session.sid], reason);
  }

  /** What the person and the web app see of the account. */
  view(user: AccountView): CurrentUser {
    return toCurrentUser(user, this.#totp.isRequired(user) && !user.totpEnabledAt);
  }
}
