import type { ReminderDue } from '@care/shared';
import type { Logger } from 'pino';
import { MailSendError, type Mailer, type MailMessage } from '../mail/mailer.js';
import type { Notifier } from '../notifier.js';
import type { DeliveryAttempt, DeliveryLedger } from './delivery-ledger.js';

/** Attempts per message: the first and three retries. */
export const MAX_ATTEMPTS = 4;

/** What one claimed attempt sends: an email, or the in-app reminder. Null: nothing true to say any more. */
export type Outgoing = { channel: 'email'; message: MailMessage } | { channel: 'in_app'; payload: ReminderDue } | null;

export interface DeliverySenderOptions {
  /** Null: no email (production without SMTP_URL); in-app reminders still go out. */
  mailer: Mailer | null;
  notifier: Notifier;
  now: () => Date;
  /** Wait before the first retry of a failed email; each next wait is four times longer. */
  retryBaseMs: number;
  log: Logger;
}

/**
 * Sends claimed attempts, whatever they are about, and records in the ledger
 * how each ended: sent, given up, or failed with a retry time when the mail
 * server certainly did not take it. Logs carry ids and kinds only: never an
 * address, a subject or a body.
 */
export class DeliverySender {
  constructor(
    private readonly ledger: DeliveryLedger,
    private readonly options: DeliverySenderOptions,
  ) {}

  get channels(): Array<'email' | 'in_app'> {
    return this.options.mailer ? ['email', 'in_app'] : ['in_app'];
  }

  get mails(): boolean {
    return this.options.mailer !== null;
  }

  /** Sends one claimed attempt, made by `build` just before it goes. */
  async send(attempt: DeliveryAttempt, build: () => Promise<Outgoing>): Promise<void> {
    const { log, now } = this.options;
    // Until the message is handed to the mailer nothing can have gone out, so any failure before that may be retried.
    let handedOver = false;
    const ids = { ...subjectIds(attempt), ...recipientIds(attempt), kind: attempt.kind, detail: attempt.detail, channel: attempt.channel, attempt: attempt.attempt };
    try {
      const outgoing = await build();
      const mailer = this.options.mailer;
      if (outgoing === null || (outgoing.channel === 'email' && !mailer)) {
        await this.ledger.settle(attempt, { status: 'gave_up' }, now());
        return;
      }
      if (outgoing.channel === 'in_app') {
        this.options.notifier.toUser(attempt.recipientId, 'reminder:due', outgoing.payload);
      } else {
        handedOver = true;
        await mailer!.send(outgoing.message);
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

/** The opaque id a log line names the message's subject by. */
export function subjectIds(attempt: Pick<DeliveryAttempt, 'kind' | 'appointmentId' | 'seatId'>): Record<string, string> {
  switch (attempt.kind) {
    case 'invite':
    case 'reminder':
      return { appointmentId: attempt.appointmentId };
    case 'circle_invite':
      return { circleId: attempt.appointmentId, ...(attempt.seatId ? { seatId: attempt.seatId } : {}) };
    case 'circle_reminder':
      return { meetingId: attempt.appointmentId };
    default: {
      const never: never = attempt.kind;
      return never;
    }
  }
}

/**
 * Who a message is for, in its log line: the account for an appointment's
 * messages (the appointment names both people anyway); none for a circle's,
 * where the account beside the circle, meeting or seat would be a member ↔
 * circle link (and the seat a pseudonym) outliving the circle in the logs.
 */
function recipientIds(attempt: Pick<DeliveryAttempt, 'kind' | 'recipientId'>): Record<string, string> {
  switch (attempt.kind) {
    case 'invite':
    case 'reminder':
      return { recipientId: attempt.recipientId };
    case 'circle_invite':
    case 'circle_reminder':
      return {};
    default: {
      const never: never = attempt.kind;
      return never;
    }
  }
}
