import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { CalendarRecord, CalendarRecords } from '../calendar/calendar-records.js';
import { appointmentMail, type AppointmentNotice } from './appointment-mail.js';
import type { DeliveryAttempt, DeliveryLedger, DeliveryTarget } from './delivery-ledger.js';
import { deliveryKey } from './delivery-ledger.js';
import { wantsMessage } from './notification-preferences.js';
import type { DeliverySender, Outgoing } from './delivery-sender.js';

/** Bookings whose invitations are built and sent at the same time, per node. */
const INVITATIONS_AT_ONCE = 2;

export { MAX_ATTEMPTS } from './delivery-sender.js';

export type BookingChange = 'booked' | 'rescheduled' | 'cancelled';

/** Sends again the failed messages of other kinds (circle meetings), each claimed as its next attempt already. */
export interface Resender {
  resend(attempt: DeliveryAttempt): Promise<void>;
}

export interface NotificationOptions {
  organizer: { name: string; address: string };
  /** The app's public base URL (known once the server listens). */
  appUrl: () => string;
  now: () => Date;
  /** Retries of circle messages go there. */
  circles: Resender;
  log: Logger;
}

/**
 * Invitations (on book, reschedule, cancel) and reminders, to both people of
 * an appointment, each message claimed in the DeliveryLedger before it goes
 * out. Logs carry ids and kinds only: never an address, a subject or a body.
 */
export class NotificationService {
  readonly #pending = new Set<Promise<void>>();
  /**
   * A few bookings' invitations at a time: each costs several times its
   * booking's own work (the calendar file, claims, the mail), and a burst of
   * bookings is answered first instead of sharing the CPU with it.
   */
  readonly #invitationTurns = pLimit(INVITATIONS_AT_ONCE);
  /** Reminder keys this node knows are claimed, with the session start after which they can be forgotten. */
  readonly #claimed = new Map<string, number>();

  constructor(
    private readonly records: CalendarRecords,
    private readonly ledger: DeliveryLedger,
    private readonly sender: DeliverySender,
    private readonly options: NotificationOptions,
  ) {}

  get channels(): Array<'email' | 'in_app'> {
    return this.sender.channels;
  }

  /**
   * Told of each booking change by the node that made it; the invitations go
   * out in the background, so the booking's answer never waits for SMTP.
   */
  bookingChanged(bookingId: string, change: BookingChange): void {
    this.#background(this.#invitationTurns(() => this.sendInvitations(bookingId, change)));
  }

  /** The calendar invitation (or cancellation) to both people, by email. */
  async sendInvitations(bookingId: string, change: BookingChange): Promise<void> {
    if (!this.sender.mails) return;
    const record = await this.records.find(bookingId);
    if (!record) return;
    for (const target of invitationTargets(record, change)) {
      const claimed = await this.ledger.claim(target, 1, this.options.now());
      if (claimed) await this.#attempt(claimed, record);
    }
  }

  /**
   * The invitation of a booking made or cancelled lately, if nobody claimed
   * it: the node that made the change may have died before it got to it.
   * Claimed invitations are remembered, so later passes read nothing for them.
   */
  async inviteIfMissed(record: CalendarRecord): Promise<void> {
    if (!this.sender.mails || record.state === 'moved') return;
    const change: BookingChange = record.state === 'cancelled' ? 'cancelled' : record.sequence === 0 ? 'booked' : 'rescheduled';
    if ((await this.#unclaimed(invitationTargets(record, change), record)).length === 0) return;
    this.options.log.warn({ appointmentId: record.appointmentId, change }, 'invitation found unclaimed; sending it now');
    await this.sendInvitations(record.appointmentId, change);
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
    const open = await this.#unclaimed(targets, record);
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

  /** The cancellations made in [since, before) whose CANCEL nobody claimed, sent now. */
  async cancellationsIfMissed(since: Date, before: Date): Promise<void> {
    if (!this.sender.mails) return;
    for (const record of await this.records.cancelledBetween(since, before)) await this.inviteIfMissed(record);
  }

  /** Failed emails whose retry time has come: each claimed as its next attempt by one node. */
  async retryDue(): Promise<void> {
    const now = this.options.now();
    for (const failed of await this.ledger.dueRetries(now)) {
      const next = await this.ledger.claim(failed, failed.attempt + 1, now);
      await this.ledger.markRetried(failed);
      if (!next) continue;
      if (next.kind === 'circle_invite' || next.kind === 'circle_reminder') {
        await this.options.circles.resend(next);
        continue;
      }
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

  /** The targets nobody has claimed yet; the claimed ones are remembered until the session starts, so no pass reads them again. */
  async #unclaimed(targets: DeliveryTarget[], record: CalendarRecord): Promise<DeliveryTarget[]> {
    const open: DeliveryTarget[] = [];
    for (const target of targets) {
      const key = deliveryKey(target);
      if (this.#claimed.has(key)) continue;
      if (await this.ledger.claimed(key)) this.#claimed.set(key, record.startsAt.getTime());
      else open.push(target);
    }
    return open;
  }

  #background(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.options.log.error({ err: error }, 'could not send notifications'));
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Sends one claimed attempt and records how it ended. */
  async #attempt(attempt: DeliveryAttempt, record: CalendarRecord): Promise<void> {
    await this.sender.send(attempt, async (): Promise<Outgoing> => {
      const person = await this.records.person(attempt.recipientId);
      if (!person || !wantsMessage(person, attempt)) return null;
      if (attempt.channel === 'in_app') {
        return {
          channel: 'in_app',
          payload: {
            session: 'appointment',
            sessionId: record.appointmentId,
            startsAt: record.startsAt.toISOString(),
            endsAt: record.endsAt.toISOString(),
            offsetMinutes: Number(attempt.detail),
          },
        };
      }
      const notice: AppointmentNotice =
        attempt.kind === 'invite' ? { kind: 'invite', change: attempt.detail as BookingChange } : { kind: 'reminder', offsetMinutes: Number(attempt.detail) };
      const message = appointmentMail(notice, {
        entry: record,
        person,
        link: `${this.options.appUrl()}/appointments`,
        organizer: this.options.organizer,
        now: this.options.now(),
      });
      return { channel: 'email', message };
    });
  }
}

/** The invitation of one change of a booking: one email to each of its two people. */
function invitationTargets(record: CalendarRecord, change: BookingChange): DeliveryTarget[] {
  return [record.counselorId, record.clientId].map((recipientId) => ({
    appointmentId: record.appointmentId,
    recipientId,
    kind: 'invite',
    detail: change,
    sequence: record.sequence,
    channel: 'email',
  }));
}

/** Whether a retried message still says something true. */
function stillWanted(attempt: DeliveryAttempt, record: CalendarRecord, now: Date): boolean {
  if (attempt.kind === 'reminder') return record.state === 'live' && now.getTime() < record.startsAt.getTime();
  // An invitation is stale once a newer one exists (the sequence moved on).
  if (record.sequence !== attempt.sequence) return false;
  return attempt.detail === 'cancelled' ? record.state === 'cancelled' : record.state === 'live';
}
