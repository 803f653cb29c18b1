import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { DevOutbox } from './dev-outbox.js';
import type { Mailer } from './mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

export interface Mail {
  /** Null in production without SMTP_URL: no email at all (in-app reminders still go out). */
  mailer: Mailer | null;
  /** Set only when mail goes to the dev outbox. */
  outbox: DevOutbox | null;
}

/**
 * Where email goes: SMTP_URL when set; otherwise the dev outbox, outside
 * production only. A production deployment without SMTP_URL sends none and
 * says so at start, rather than keeping mail in Redis.
 */
export function createMail(config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'NODE_ENV'>, redis: Redis, log: Logger): Mail {
  if (config.SMTP_URL) {
    log.info('email goes through SMTP_URL');
    return { mailer: new SmtpMailer(config.SMTP_URL, config.MAIL_FROM, { requireTls: config.NODE_ENV === 'production' }), outbox: null };
  }
  if (config.NODE_ENV === 'production') {
    log.warn('SMTP_URL is not set: no email is sent (invitations and reminders go in-app only)');
    return { mailer: null, outbox: null };
  }
  log.info('no SMTP_URL: email goes to the dev outbox at /dev/outbox');
  const outbox = new DevOutbox(redis);
  return { mailer: outbox, outbox };
}
