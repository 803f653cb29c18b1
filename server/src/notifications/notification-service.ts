import type { Logger } from 'pino';
import type { CalendarRecord, CalendarRecords } from '../calendar/calendar-records.js';
import { MailSendError, type Mailer } from '../mail/mailer.js';
import type { Notifier } from '../services/room-notifier.js';
import { appointmentMail, type AppointmentNotice } from './appointment-mail.js';
import type { DeliveryAttempt, DeliveryLedger, DeliveryTarget } from './delivery-ledger.js';
import { deliveryKey } from './delivery-ledger.js';

/** Attempts per message: the first and three retries. */
export const MAX_ATTEMPTS = 4;

export type BookingChange = 'booked' | 'rescheduled' | 'cancelled';

export interface NotificationOptions {
  /** Null: no email (production without SMTP_URL); in-app reminders still go out. */
  mailer: Mailer | null;
  notifier: Notifier;
  organizer: { name: string; address: string };
  /** The app's public base URL (known once the server listens). */
  appUrl: () => string;
  now: () => Date;
  /** Wait before the first retry of a failed email; each next wait is four times longer. */
  retryBaseMs: number;
  log: Logger;
}

/**
 * Invitations (on book, reschedule, cancel) and reminders, to both people of
 * an appointment, each message claimed in the DeliveryLedger before it goes
 * out. Logs carry ids and kinds only: never an address, a subject or a body.
 */
export class NotificationService {
  readonly #pending = new Set<Promise<void>>();
  /** Reminder keys this node knows are claimed, with the session start after which they can be forgotten. */
  readonly #claimed = new Map<string, number>();

  constructor(
    private readonly records: CalendarRecords,
    private readonly ledger: DeliveryLedger,
    private readonly options: NotificationOptions,
  ) {}

  get channels(): Array<'email' | 'in_app'> {
    return this.options.mailer ? ['email', 'in_app'] : ['in_app'];
  }

  /**
   * Told of each booking change by the node that made it; the invitations go
   * out in the background, so the booking's answer never waits for SMTP.
   */
  bookingChanged(bookingId: string, change: BookingChange): void {
    this.#background(this.sendInvitations(bookingId, change));
  }

  /** The calendar invitation (or cancellation) to both people, by email. */
  async sendInvitations(bookingId: string, change: BookingChange): Promise<void> {
    if (!this.options.mailer) return;
    const record = await this.records.find(bookingId);
    if (!record) return;
    for (const recipientId of [record.counselorId, record.clientId]) {
      const target: DeliveryTarget = { appointmentId: record.appointmentId, recipientId, kind: 'invite', detail: change, sequence: record.sequence, channel: 'email' };
      const claimed = await this.ledger.claim(target, 1, this.options.now());
      if (claimed) await this.#attempt(claimed, record);
    }
  }

  /**
   * The reminder `offsetMinutes` before `record` to both people, on every
   * channel, unless already claimed (by this node, another one, or an earlier run).
   */
  async remind(record: CalendarRecord, offsetMinutes: number): Promise<void> {
    const targets = [record.counselorId, record.clientId].flatMap((recipientId) =>
      this.channels.map(
        (channel): DeliveryTarget => ({ appointmentId: record.appointmentId, recipientId, kind: 'reminder', detail: String(offsetMinutes), sequence: 0, channel }),
      ),
    );
    const open: DeliveryTarget[] = [];
    for (const target of targets) {
      const key = deliveryKey(target);
      if (this.#claimed.has(key)) continue;
      if (await this.ledger.claimed(key)) this.#claimed.set(key, record.startsAt.getTime());
      else open.push(target);
    }
    if (open.length === 0) return;
    // Read again just before claiming: a booking cancelled or moved since the scan gets no reminder.
    const current = await this.records.find(record.appointmentId);
    if (current?.state !== 'live') return;
    for (const target of open) {
      const claimed = await this.ledger.claim(target, 1, this.options.now());
      this.#claimed.set(deliveryKey(target), record.startsAt.getTime());
      if (claimed) await this.#attempt(claimed, current);
    }
  }

  /** Failed emails whose retry time has come: each claimed as its next attempt by one node. */
  async retryDue(): Promise<void> {
    const now = this.options.now();
    for (const failed of await this.ledger.dueRetries(now)) {
      const next = await this.ledger.claim(failed, failed.attempt + 1, now);
      await this.ledger.markRetried(failed);
      if (!next) continue;
      const record = await this.records.find(next.appointmentId);
      if (!record || !stillWanted(next, record, now)) {
        await this.ledger.settle(next, { status: 'gave_up' }, now);
        this.options.log.info({ appointmentId: next.appointmentId, kind: next.kind, attempt: next.attempt }, 'retry dropped: the appointment changed');
        continue;
      }
      await this.#attempt(next, record);
    }
  }

  /** Forgets what this node remembers of reminders for sessions that have started. */
  forgetStarted(now: Date): void {
    for (const [key, startsAt] of this.#claimed) if (startsAt <= now.getTime()) this.#claimed.delete(key);
  }

  /** Resolves when the invitations sent in the background have settled (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #background(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.options.log.error({ err: error }, 'could not send notifications'));
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Sends one claimed attempt and records how it ended. */
  async #attempt(attempt: DeliveryAttempt, record: CalendarRecord): Promise<void> {
    const { log, now } = this.options;
    // Until the message is handed to the mailer nothing can have gone out, so any failure before that may be retried.
    let handedOver = false;
    const ids = { appointmentId: attempt.appointmentId, recipientId: attempt.recipientId, kind: attempt.kind, detail: attempt.detail, channel: attempt.channel, attempt: attempt.attempt };
    try {
      if (attempt.channel === 'in_app') {
        this.options.notifier.toUser(attempt.recipientId, 'reminder:due', {
          appointmentId: record.appointmentId,
          startsAt: record.startsAt.toISOString(),
          endsAt: record.endsAt.toISOString(),
          offsetMinutes: Number(attempt.detail),
        });
      } else {
        const mailer = this.options.mailer;
        const person = await this.records.person(attempt.recipientId);
        if (!mailer || !person) {
          await this.ledger.settle(attempt, { status: 'gave_up' }, now());
          return;
        }
        const notice: AppointmentNotice =
          attempt.kind === 'invite' ? { kind: 'invite', change: attempt.detail as BookingChange } : { kind: 'reminder', offsetMinutes: Number(attempt.detail) };
        const message = appointmentMail(notice, {
          entry: record,
          person,
          link: `${this.options.appUrl()}/appointments`,
          organizer: this.options.organizer,
          now: now(),
        });
        handedOver = true;
        await mailer.send(message);
      }
      await this.ledger.settle(attempt, { status: 'sent' }, now());
      log.info(ids, 'notification sent');
    } catch (error) {
      const retry = (!handedOver || (error instanceof MailSendError && error.retryable)) && attempt.attempt < MAX_ATTEMPTS;
      const at = now();
      await this.ledger.settle(
        attempt,
        retry ? { status: 'failed', retryAt: new Date(at.getTime() + this.options.retryBaseMs * 4 ** (attempt.attempt - 1)) } : { status: 'gave_up' },
        at,
      );
      // A MailSendError says only the SMTP code; anything else is ours and safe to log whole.
      const why = error instanceof MailSendError ? { responseCode: error.responseCode, reason: error.message } : { err: error };
      log.warn({ ...ids, ...why, willRetry: retry }, 'notification not sent');
    }
  }
}

/** Whether a retried message still says something true. */
function stillWanted(attempt: DeliveryAttempt, record: CalendarRecord, now: Date): boolean {
  if (attempt.kind === 'reminder') return record.state === 'live' && now.getTime() < record.startsAt.getTime();
  // An invitation is stale once a newer one exists (the sequence moved on).
  if (record.sequence !== attempt.sequence) return false;
  return attempt.detail === 'cancelled' ? record.state === 'cancelled' : record.state === 'live';
}
