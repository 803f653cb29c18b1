import { createHash, randomInt } from 'node:crypto';
import type { RecoveryCodesView, SecurityView, TotpSetupView } from '@care/shared';
import type { Redis } from 'ioredis';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { Database } from '../db/database.js';
import type { UserDocument } from '../db/models/user.js';
import { AppError } from '../errors.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { SecretBox } from './secret-box.js';

const ISSUER = 'CARE ASN';
const SETUP_TTL_SECONDS = 600;
const RECOVERY_CODES = 10;
const recoveryAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789';

function totpFor(base32: string, label = ''): TOTP {
  // RFC 6238 defaults every authenticator app understands: SHA-1, 6 digits, 30 s.
  return new TOTP({ issuer: ISSUER, label, secret: Secret.fromBase32(base32), algorithm: 'SHA1', digits: 6, period: 30 });
}

function hashCode(code: string): string {
  return createHash('sha256').update(code.trim().toLowerCase()).digest('hex');
}

function newRecoveryCode(): string {
  const pick = () => Array.from({ length: 5 }, () => recoveryAlphabet[randomInt(recoveryAlphabet.length)]).join('');
  return `${pick()}-${pick()}`;
}

/**
 * The TOTP second factor (RFC 6238): enrolment (a fresh secret shown once as
 * a QR code, stored only when the person proves their app has it), checking
 * codes at sign-in, recovery codes (only their SHA-256 is kept, each usable
 * once), and a limit on codes tried per account and per address in Redis
 * (counted before the check, so parallel guesses cannot pass it).
 *
 * The secret is sealed at rest (`SecretBox`) and never logged or sent again
 * after setup. A code already used in its time step is refused (replay), and
 * so is a recovery code already used; both rules are Redis SET NX, atomic
 * where the database's conditional updates are not.
 */
export class TotpService {
  constructor(
    private readonly db: Database,
    private readonly redis: Redis,
    private readonly box: SecretBox,
    private readonly requiredRoles: readonly string[],
    /** Five codes per account every 15 minutes (a right one starts the count again); the sixth is refused even when right. */
    private readonly attempts: AttemptLimiter,
  ) {}

  isRequired(user: Pick<UserDocument, 'role'>): boolean {
    return this.requiredRoles.includes(user.role);
  }

  status(user: UserDocument): SecurityView {
    return { totpEnabled: Boolean(user.totpEnabledAt), totpRequired: this.isRequired(user), recoveryCodesLeft: user.recoveryCodeHashes.length };
  }

  /** A fresh secret to scan; kept (sealed) in Redis for ten minutes until confirmed. */
  async setup(user: UserDocument): Promise<TotpSetupView> {
    if (user.totpEnabledAt) throw new AppError('conflict', 'Two-step verification is already on. Turn it off first to set up a new app.');
    const secret = new Secret({ size: 20 });
    await this.redis.set(this.#setupKey(user.id as string), this.box.seal(secret.base32), 'EX', SETUP_TTL_SECONDS);
    // The label shows in the person's app only; it is their own email.
    const otpauthUri = totpFor(secret.base32, user.email).toString();
    const qrSvg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret: secret.base32, otpauthUri, qrSvg };
  }

  /** The first code from the app turns the second factor on, and gives the recovery codes (shown once). */
  async confirm(user: UserDocument, code: string, address: string | undefined): Promise<RecoveryCodesView> {
    const userId = user.id as string;
    const sealed = await this.redis.get(this.#setupKey(userId));
    if (!sealed) throw new AppError('not_found', 'The set-up has expired. Please start again.');
    const base32 = this.box.open(sealed);
    await this.#limitAttempts(userId, address, () => this.#validTotp(userId, base32, code));
    const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await this.db.users.updateOne(
      { _id: userId },
      { $set: { totpSecret: this.box.seal(base32), totpEnabledAt: new Date(), recoveryCodeHashes: recoveryCodes.map(hashCode) } },
    );
    await this.redis.del(this.#setupKey(userId));
    return { recoveryCodes };
  }

  /** Checks a sign-in code (TOTP or recovery), counting every try; throws totp_invalid or rate_limited. */
  async verify(user: UserDocument, code: string, address: string | undefined): Promise<void> {
    const userId = user.id as string;
    await this.#limitAttempts(userId, address, () => this.#validCode(user, code));
  }

  async disable(user: UserDocument, code: string, address: string | undefined): Promise<SecurityView> {
    if (!user.totpEnabledAt) return this.status(user);
    if (this.isRequired(user)) throw new AppError('forbidden', 'Two-step verification is required for your role and cannot be turned off.');
    await this.verify(user, code, address);
    await this.db.users.updateOne({ _id: user.id }, { $set: { totpSecret: null, totpEnabledAt: null, recoveryCodeHashes: [] } });
    const updated = await this.db.users.findById(user.id);
    return this.status(updated ?? user);
  }

  async #limitAttempts(userId: string, address: string | undefined, check: () => Promise<boolean>): Promise<void> {
    const attempt = await this.attempts.begin({ subject: userId, address });
    if (!(await check())) throw new AppError('totp_invalid', 'The code did not match or has expired.');
    await attempt.succeeded();
  }

  async #validCode(user: UserDocument, code: string): Promise<boolean> {
    if (/^\d{6}$/.test(code.trim())) {
      if (!user.totpSecret) return false;
      return this.#validTotp(user.id as string, this.box.open(user.totpSecret), code);
    }
    const hash = hashCode(code);
    if (!user.recoveryCodeHashes.includes(hash)) return false;
    // Used once, whatever the concurrency: the Redis claim decides, the database follows.
    const claimed = await this.redis.set(`totp-recovery-used:${user.id as string}:${hash}`, '1', 'NX');
    if (claimed !== 'OK') return false;
    await this.db.users.updateOne({ _id: user.id }, { $pull: { recoveryCodeHashes: hash } });
    return true;
  }

  async #validTotp(userId: string, base32: string, code: string): Promise<boolean> {
    const totp = totpFor(base32);
    // One step of clock drift either way.
    const delta = totp.validate({ token: code.trim(), window: 1 });
    if (delta === null) return false;
    // A code works once: its time step is claimed (kept a little longer than the window).
    const step = totp.counter() + delta;
    const claimed = await this.redis.set(`totp-used:${userId}:${step}`, '1', 'EX', 120, 'NX');
    return claimed === 'OK';
  }

  #setupKey(userId: string): string {
    return `totp-setup:${userId}`;
  }
}
