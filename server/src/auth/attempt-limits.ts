import type { Redis } from 'ioredis';
import { AttemptLimiter, type AttemptRule } from './attempt-limiter.js';
import { KeyedHash } from './keyed-hash.js';

const FIFTEEN_MINUTES = 900;

/**
 * Every limit on trying credentials, one limiter per kind, each with its own
 * per-address budget (RATE_LIMIT_ADDRESS_BUDGET) so guesses sprayed over many
 * accounts from one address run out too.
 */
export class AttemptLimits {
  /** Password sign-in: 10 per account and address, 50 per account from anywhere. */
  readonly login: AttemptLimiter;
  /** The second-factor step and the code checks when turning it on or off: 5 per account. */
  readonly totp: AttemptLimiter;
  /** Invite links (looking one up, accepting): 10 per link. */
  readonly invite: AttemptLimiter;
  /** Asking for a reset email: 3 per address asked for. */
  readonly resetRequest: AttemptLimiter;
  /** Using a reset link: 10 per link. */
  readonly resetLink: AttemptLimiter;
  /** Changing the password while signed in (the current one is checked): 5 per account. */
  readonly passwordChange: AttemptLimiter;

  constructor(redis: Redis, options: { key: string | undefined; addressBudget: number }) {
    const hash = new KeyedHash(options.key);
    const perAddress = options.addressBudget;
    const limiter = (rule: Omit<AttemptRule, 'perAddress' | 'windowSeconds'>) =>
      new AttemptLimiter(redis, hash, { ...rule, perAddress, windowSeconds: FIFTEEN_MINUTES });
    this.login = limiter({
      family: 'login',
      perSubjectAndAddress: 10,
      perSubject: 50,
      message: 'Too many sign-in attempts. Please wait 15 minutes and try again.',
    });
    this.totp = limiter({ family: 'totp', perSubject: 5, message: 'Too many wrong codes. Please wait 15 minutes and try again.' });
    this.invite = limiter({ family: 'invite', perSubject: 10, message: 'Too many tries with invite links. Please wait 15 minutes.' });
    this.resetRequest = limiter({
      family: 'reset-request',
      perSubject: 3,
      message: 'Too many reset requests. Please wait 15 minutes and check your email.',
    });
    this.resetLink = limiter({ family: 'reset-link', perSubject: 10, message: 'Too many tries with reset links. Please wait 15 minutes.' });
    this.passwordChange = limiter({
      family: 'password-change',
      perSubject: 5,
      message: 'Too many attempts to change the password. Please wait 15 minutes.',
    });
  }
}
