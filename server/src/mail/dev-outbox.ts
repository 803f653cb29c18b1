import { randomUUID } from 'node:crypto';
import { OutboxMail, type OutboxList } from '@care/shared';
import type { Redis } from 'ioredis';
import type { Mailer, MailMessage } from './mailer.js';

/** The newest messages kept per person. */
const KEPT = 50;
/** A person's outbox goes a week after its last message. */
const TTL_SECONDS = 7 * 24 * 3600;

/**
 * DEVELOPMENT ONLY: where email goes when no SMTP_URL is set, so that a demo
 * can follow its invitations and reminders at /dev/outbox. Each person's
 * messages sit in a Redis list under their account id, capped at the newest
 * 50 and gone a week after the last one: this is a window for a demo, not
 * a mail store. Never used in production (see createMail).
 */
export class DevOutbox implements Mailer {
  readonly kind = 'dev-outbox';

  constructor(private readonly redis: Redis) {}

  #key(userId: string): string {
    return `dev-outbox:${userId}`;
  }

  async send(message: MailMessage): Promise<void> {
    const mail: OutboxMail = {
      id: randomUUID(),
      sentAt: new Date().toISOString(),
      subject: message.subject,
      text: message.text,
      calendar: message.calendar ?? null,
    };
    const key = this.#key(message.to.userId);
    await this.redis.multi().lpush(key, JSON.stringify(mail)).ltrim(key, 0, KEPT - 1).expire(key, TTL_SECONDS).exec();
  }

  /** The messages sent to one person, newest first. */
  async list(userId: string): Promise<OutboxList> {
    const raw = await this.redis.lrange(this.#key(userId), 0, KEPT - 1);
    return raw.flatMap((entry) => {
      const parsed = OutboxMail.safeParse(JSON.parse(entry));
      return parsed.success ? [parsed.data] : [];
    });
  }

  async close(): Promise<void> {}
}
