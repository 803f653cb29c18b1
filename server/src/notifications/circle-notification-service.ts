import type { Logger } from 'pino';
import type { CalendarPerson } from '../calendar/calendar-records.js';
import type { CircleCalendar, CircleCalendarCircle, CircleHolder } from '../calendar/circle-calendar.js';
import type { CalendarEntry } from '../calendar/events-ics.js';
import type { CircleModels } from '../circles/circle-models.js';
import type { CircleCalendarChange } from '../circles/circle-service.js';
import { circleMail, type CircleMailContext, type CircleNotice } from './circle-mail.js';
import { wantsMessage } from './notification-preferences.js';
import { deliveryKey, type DeliveryAttempt, type DeliveryLedger, type DeliveryTarget } from './delivery-ledger.js';
import type { DeliverySender, Outgoing } from './delivery-sender.js';
import { dueOffset } from './reminder-window.js';

const MINUTE = 60_000;

export interface CircleNotificationOptions {
  organizer: { name: string; address: string };
  /** The app's public base URL (known once the server listens). */
  appUrl: () => string;
  now: () => Date;
  /** Where to write to a person, in which language and zone. */
  person: (userId: string) => Promise<CalendarPerson | null>;
  log: Logger;
}

/** One meeting due a reminder, and to whom (each with the reminder due to them). */
interface DueMeeting {
  meetingId: string;
  circleId: string;
  startsAt: Date;
  endsAt: Date;
  recipients: Array<{ userId: string; offsetMinutes: number }>;
}

/**
 * Invitations and reminders for circle meetings, on the same ledger of
 * claims as appointments (kinds `circle_invite` and `circle_reminder`), so
 * each goes out at most once across nodes and restarts.
 *
 * Invitations: a seat (enrolment or promotion) brings its holder one email
 * with an iCalendar REQUEST holding every meeting still to come, a VEVENT
 * each, under UIDs of that seating; leaving, or the circle's cancellation,
 * brings a CANCEL of the same UIDs (one message whichever comes first: both
 * claim the same key). The facilitator is invited when they create the
 * circle and withdrawn when they cancel it. People in line get nothing
 * until they have a seat.
 *
 * Reminders: the meetings scheduled within the largest offset, to each
 * seated member and the facilitator, read afresh on every pass — a cancelled
 * circle, or someone who left, is simply not there to remind.
 */
export class CircleNotificationService {
  readonly #pending = new Set<Promise<void>>();
  /** Reminder keys this node knows are claimed, with the meeting start after which they can be forgotten. */
  readonly #claimed = new Map<string, number>();

  constructor(
    private readonly models: CircleModels,
    private readonly calendar: CircleCalendar,
    private readonly ledger: DeliveryLedger,
    private readonly sender: DeliverySender,
    private readonly options: CircleNotificationOptions,
  ) {}

  /** Told of each seat given or taken back by the node that made the change; the email goes out in the background. */
  calendarChanged(change: CircleCalendarChange): void {
    this.#background(this.sendInvitations(change));
  }

  /** The invitations (or withdrawals) a change calls for, by email. */
  async sendInvitations(change: CircleCalendarChange): Promise<void> {
    if (!this.sender.mails) return;
    switch (change.change) {
      case 'opened':
        return this.#invite(change.circleId, { userId: change.facilitatorId, seatId: null }, 'request');
      case 'seated':
        return this.#invite(change.circleId, { userId: change.userId, seatId: change.seatId }, 'request');
      case 'unseated':
        return this.#invite(change.circleId, { userId: change.userId, seatId: change.seatId }, 'cancel');
      case 'cancelled':
        for (const seat of change.seats) await this.#invite(change.circleId, seat, 'cancel');
        return this.#invite(change.circleId, { userId: change.facilitatorId, seatId: null }, 'cancel');
      default: {
        const never: never = change;
        return never;
      }
    }
  }

  /** One pass over the meetings whose reminder window is open: each reminder claimed, then sent. */
  async remindDue(now: Date, offsetsMinutes: readonly number[]): Promise<void> {
    for (const meeting of await this.#due(now, offsetsMinutes)) {
      await this.#remind(meeting).catch((error: unknown) =>
        this.options.log.error({ err: error, meetingId: meeting.meetingId }, 'circle reminder failed'),
      );
    }
  }

  /** A failed message claimed again as its next attempt: sent if it still says something true. */
  async resend(attempt: DeliveryAttempt): Promise<void> {
    if (attempt.kind === 'circle_invite') {
      await this.#sendInvitation(attempt);
      return;
    }
    const now = this.options.now();
    const meeting = await this.models.meetings.findById(attempt.appointmentId).lean();
    const circle = meeting ? await this.calendar.circle(meeting.circleId.toString()) : null;
    const wanted =
      meeting?.status === 'scheduled' &&
      circle?.status === 'active' &&
      meeting.startsAt.getTime() > now.getTime() &&
      (await this.#holds(circle, attempt.recipientId));
    if (!meeting || !wanted) {
      await this.ledger.settle(attempt, { status: 'gave_up' }, now);
      this.options.log.info({ meetingId: attempt.appointmentId, kind: attempt.kind, attempt: attempt.attempt }, 'retry dropped: the meeting changed');
      return;
    }
    await this.#sendReminder(attempt, { meetingId: attempt.appointmentId, startsAt: meeting.startsAt, endsAt: meeting.endsAt });
  }

  /** Forgets what this node remembers of reminders for meetings that have started. */
  forgetStarted(now: Date): void {
    for (const [key, startsAt] of this.#claimed) if (startsAt <= now.getTime()) this.#claimed.delete(key);
  }

  /** Resolves when the invitations sent in the background have settled (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  // --- invitations --------------------------------------------------------

  async #invite(circleId: string, holder: CircleHolder, detail: 'request' | 'cancel'): Promise<void> {
    const target: DeliveryTarget = {
      appointmentId: circleId,
      recipientId: holder.userId,
      kind: 'circle_invite',
      detail,
      // The withdrawal outranks the invitation in any calendar that got both out of order.
      sequence: detail === 'request' ? 0 : 1,
      channel: 'email',
      ...(holder.seatId ? { seatId: holder.seatId } : {}),
    };
    const claimed = await this.ledger.claim(target, 1, this.options.now());
    if (claimed) await this.#sendInvitation(claimed);
  }

  /** Made when it goes: the meetings as they stand now; nothing when it no longer holds (the seat was given up meanwhile). */
  async #sendInvitation(attempt: DeliveryAttempt): Promise<void> {
    await this.sender.send(attempt, async (): Promise<Outgoing> => {
      const now = this.options.now();
      const circle = await this.calendar.circle(attempt.appointmentId);
      if (!circle) return null;
      const holder: CircleHolder = { userId: attempt.recipientId, seatId: attempt.seatId ?? null };
      let notice: CircleNotice;
      if (attempt.detail === 'request') {
        const stillHeld = holder.seatId ? await this.calendar.seatHeld(holder.seatId) : circle.facilitatorId === holder.userId;
        if (circle.status !== 'active' || !stillHeld) return null;
        notice = { kind: 'invite' };
      } else {
        notice = { kind: 'withdraw', why: circle.status === 'cancelled' ? 'cancelled' : 'left' };
      }
      const entries = await this.calendar.entries(circle.circleId, holder, now, notice.kind === 'invite' ? 'scheduled' : 'all', attempt.sequence);
      const person = await this.options.person(attempt.recipientId);
      if (entries.length === 0 || !person || !wantsMessage(person, attempt)) return null;
      return { channel: 'email', message: circleMail(notice, this.#context(entries, person, now)) };
    });
  }

  // --- reminders ----------------------------------------------------------

  /** Scheduled meetings of active circles starting within the largest offset, with whom each reminder is due to. */
  async #due(now: Date, offsetsMinutes: readonly number[]): Promise<DueMeeting[]> {
    const largest = offsetsMinutes[0];
    if (largest === undefined) return [];
    const meetings = await this.models.meetings
      .find({ status: 'scheduled', startsAt: { $gt: now, $lte: new Date(now.getTime() + largest * MINUTE) } })
      .select({ circleId: 1, startsAt: 1, endsAt: 1, createdAt: 1 })
      .lean();
    const due: DueMeeting[] = [];
    for (const meeting of meetings) {
      const circleId = meeting.circleId.toString();
      const circle = await this.calendar.circle(circleId);
      if (circle?.status !== 'active') continue;
      const seats = await this.models.seats.find({ circleId: meeting.circleId }).select({ userId: 1, createdAt: 1 }).lean();
      // Each person from when their place began: a seat taken an hour before gets the 15 min reminder only.
      const places = [{ userId: circle.facilitatorId, since: meeting.createdAt }, ...seats.map((s) => ({ userId: s.userId.toString(), since: s.createdAt }))];
      const recipients = places.flatMap(({ userId, since }) => {
        const offsetMinutes = dueOffset(meeting.startsAt, now, offsetsMinutes, since);
        return offsetMinutes === undefined ? [] : [{ userId, offsetMinutes }];
      });
      if (recipients.length > 0) due.push({ meetingId: meeting._id.toString(), circleId, startsAt: meeting.startsAt, endsAt: meeting.endsAt, recipients });
    }
    return due;
  }

  async #remind(meeting: DueMeeting): Promise<void> {
    const open: DeliveryTarget[] = [];
    for (const { userId, offsetMinutes } of meeting.recipients) {
      for (const channel of this.sender.channels) {
        const target: DeliveryTarget = { appointmentId: meeting.meetingId, recipientId: userId, kind: 'circle_reminder', detail: String(offsetMinutes), sequence: 0, channel };
        const key = deliveryKey(target);
        if (this.#claimed.has(key)) continue;
        if (await this.ledger.claimed(key)) this.#claimed.set(key, meeting.startsAt.getTime());
        else open.push(target);
      }
    }
    if (open.length === 0) return;
    // Read again just before claiming: a meeting cancelled, or a seat given up, since the scan gets no reminder.
    const current = await this.models.meetings.findById(meeting.meetingId).select({ status: 1 }).lean();
    const circle = await this.calendar.circle(meeting.circleId);
    if (current?.status !== 'scheduled' || circle?.status !== 'active') return;
    const holding = new Map<string, boolean>();
    for (const target of open) {
      if (!holding.has(target.recipientId)) holding.set(target.recipientId, await this.#holds(circle, target.recipientId));
      if (!holding.get(target.recipientId)) continue;
      const claimed = await this.ledger.claim(target, 1, this.options.now());
      this.#claimed.set(deliveryKey(target), meeting.startsAt.getTime());
      if (claimed) await this.#sendReminder(claimed, meeting);
    }
  }

  async #sendReminder(attempt: DeliveryAttempt, meeting: Pick<DueMeeting, 'meetingId' | 'startsAt' | 'endsAt'>): Promise<void> {
    await this.sender.send(attempt, async (): Promise<Outgoing> => {
      const offsetMinutes = Number(attempt.detail);
      const person = await this.options.person(attempt.recipientId);
      if (!person || !wantsMessage(person, attempt)) return null;
      if (attempt.channel === 'in_app') {
        return {
          channel: 'in_app',
          payload: { session: 'circle_meeting', sessionId: meeting.meetingId, startsAt: meeting.startsAt.toISOString(), endsAt: meeting.endsAt.toISOString(), offsetMinutes },
        };
      }
      // A reminder carries no calendar object: the entry only gives the time.
      const entry: CalendarEntry = { uid: '', sequence: 0, startsAt: meeting.startsAt, endsAt: meeting.endsAt };
      return { channel: 'email', message: circleMail({ kind: 'reminder', offsetMinutes }, this.#context([entry], person, this.options.now())) };
    });
  }

  /** Whether `userId` has a place in the circle's meetings: the facilitator, or a seat. */
  async #holds(circle: CircleCalendarCircle, userId: string): Promise<boolean> {
    return (await this.calendar.holder(circle, userId)) !== null;
  }

  #context(entries: readonly CalendarEntry[], person: CalendarPerson, now: Date): CircleMailContext {
    return { entries, person, link: `${this.options.appUrl()}/circles`, organizer: this.options.organizer, now };
  }

  #background(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.options.log.error({ err: error }, 'could not send circle invitations'));
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }
}
