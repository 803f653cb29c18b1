import { createHash, randomBytes } from 'node:crypto';
import type { CompletePasswordResetBody, PasswordResetLinkView } from '@care/shared';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import type { AttemptLimits } from './attempt-limits.js';
import type { AuthService } from './auth-service.js';
import { passwordResetMail } from './password-reset-mail.js';

export interface PasswordResetOptions {
  ttlMinutes: number;
  /** The origin people open, for the link. */
  appUrl: () => string;
}

/** A used or expired link keeps answering as such for a day; after that it is simply unknown. */
const REMEMBER_MS = 24 * 3_600_000;

/**
 * Reads a link (`peek`) or takes it (`claim`) in one step: unknown, used,
 * expired — each its own answer — or usable, then marked used, so two tabs
 * submitting one link at once cannot both use it.
 */
const READ_LINK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'invalid'} end
if redis.call('HEXISTS', KEYS[1], 'usedAt') == 1 then return {'used'} end
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if tonumber(ARGV[1]) >= expiresAt then return {'expired'} end
if ARGV[2] == 'claim' then redis.call('HSET', KEYS[1], 'usedAt', ARGV[1]) end
return {'ok', redis.call('HGET', KEYS[1], 'userId'), redis.call('HGET', KEYS[1], 'passwordStamp'), tostring(expiresAt)}`;

type LinkState = ['invalid'] | ['used'] | ['expired'] | ['ok', string, string, string];

interface UsableLink {
  userId: string;
  /** The account's password stamp when the link was made ('' for none): a password changed since voids the link. */
  passwordStamp: string;
  expiresAt: number;
}

/**
 * Resetting a forgotten password by an emailed link. The link's token is
 * random; Redis keeps only its SHA-256, with the account, an expiry and,
 * once used, when. Asking gives the same answer, at once, whether or not the
 * address has an account: the lookup and the email happen after the answer.
 * Using a link sets the password and ends every sign-in of the account, with
 * its connections. It does not sign anyone in: the second factor, if the
 * account has one, is still asked for at the next sign-in.
 */
export class PasswordResets {
  constructor(
    private readonly db: Database,
    private readonly redis: Redis,
    private readonly mailer: Mailer | null,
    private readonly auth: AuthService,
    private readonly limits: AttemptLimits,
    private readonly options: PasswordResetOptions,
    private readonly log: Logger,
  ) {}

  /** Counts the request (per address asked for and per network address), then answers; the email, if any, follows. */
  async request(email: string, address: string | undefined): Promise<void> {
    await this.limits.resetRequest.begin({ subject: email, address });
    void this.#sendLink(email).catch((error: unknown) => this.log.warn({ err: error }, 'password reset email not sent'));
  }

  /** Whether a link can still be used, before the person types a new password. */
  async check(token: string, address: string | undefined): Promise<PasswordResetLinkView> {
    const link = await this.limits.resetLink.guard({ subject: this.#hash(token), address }, () => this.#usable(token, 'peek'));
    return { expiresAt: new Date(link.expiresAt).toISOString() };
  }

  /** Uses the link: a new password, and every sign-in of the account ended. */
  async complete(body: CompletePasswordResetBody, address: string | undefined): Promise<void> {
    await this.limits.resetLink.guard({ subject: this.#hash(body.token), address }, async () => {
      const link = await this.#usable(body.token, 'claim');
      await this.auth.setPassword(link.userId, body.newPassword);
      await this.auth.endSessionsOf(link.userId, 'password_changed');
      this.log.info({ userId: link.userId }, 'password reset by emailed link');
    });
  }

  async #sendLink(email: string): Promise<void> {
    const user = await this.db.users.findOne({ email }).select({ active: 1, passwordStamp: 1 }).lean();
    // Nobody, or a deactivated account: nothing is sent, and the asker cannot tell.
    if (!user?.active) return;
    const userId = user._id.toString();
    if (!this.mailer) {
      this.log.warn({ userId }, 'password reset asked for, but no email is configured (SMTP_URL)');
      return;
    }
    const token = randomBytes(32).toString('base64url');
    const key = this.#key(this.#hash(token));
    const expiresAt = Date.now() + this.options.ttlMinutes * 60_000;
    await this.redis
      .multi()
      .hset(key, { userId, passwordStamp: user.passwordStamp ?? '', expiresAt: String(expiresAt) })
      .pexpireat(key, expiresAt + REMEMBER_MS)
      .exec();
    const link = `${this.options.appUrl()}/reset-password/${token}`;
    await this.mailer.send(passwordResetMail({ userId, address: email }, link, this.options.ttlMinutes));
    this.log.info({ userId }, 'password reset link sent');
  }

  async #usable(token: string, mode: 'peek' | 'claim'): Promise<UsableLink> {
    const state = (await this.redis.eval(READ_LINK, 1, this.#key(this.#hash(token)), Date.now(), mode)) as LinkState;
    switch (state[0]) {
      case 'invalid':
        throw new AppError('reset_invalid', 'This reset link is not known. Please ask for a new one.');
      case 'used':
        throw new AppError('reset_used', 'This reset link has already been used. Please sign in, or ask for a new one.');
      case 'expired':
        throw new AppError('reset_expired', 'This reset link has expired. Please ask for a new one.');
      case 'ok': {
        const [, userId, passwordStamp, expiresAt] = state;
        const user = await this.db.users.findById(userId).select({ active: 1, passwordStamp: 1 }).lean();
        if (!user?.active) throw new AppError('reset_invalid', 'This reset link is not known. Please ask for a new one.');
        // The password changed after the link was sent (another link, or a change while signed in).
        if ((user.passwordStamp ?? '') !== passwordStamp) {
          throw new AppError('reset_used', 'This reset link is no longer valid: the password has been changed since. Please ask for a new one.');
        }
        return { userId, passwordStamp, expiresAt: Number(expiresAt) };
      }
      default: {
        const unexpected: never = state[0];
        throw new Error(`unexpected reset link state ${String(unexpected)}`);
      }
    }
  }

  #hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  #key(hash: string): string {
    return `password-reset:${hash}`;
  }
}
