import type { Logger } from 'pino';
import { toRecord, type CalendarRecord, type RecordDoc } from '../calendar/calendar-records.js';
import type { Database } from '../db/database.js';
import type { CircleNotificationService } from './circle-notification-service.js';
import type { DeliveryLedger } from './delivery-ledger.js';
import type { NotificationService } from './notification-service.js';
import { dueOffset } from './reminder-window.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A booking made or cancelled this long ago at most, with no invitation claimed, gets it from the scheduler. */
const MISSED_INVITATION_WINDOW_MS = HOUR;
/** ...once it is this old: before that, the node that made it is sending the invitation itself. */
const INVITATION_GRACE_MS = MINUTE;
/** Claims are kept this long, then forgotten (their sessions are long over). */
const KEEP_CLAIMS_MS = 30 * 24 * HOUR;

export interface ReminderSchedulerOptions {
  /** Minutes before a session at which reminders fall due, largest first (1440, 15). */
  offsetsMinutes: readonly number[];
  intervalMs: number;
  now: () => Date;
  log: Logger;
}

/**
 * Every node runs one: each `intervalMs` it looks for booked appointments
 * whose reminder window has opened and hands them to the NotificationService
 * (and for bookings made or cancelled in the last hour whose invitation
 * nobody claimed),
 * then lets the CircleNotificationService do the same for circle meetings;
 * their claims make sure each reminder goes out once however many nodes look.
 * Nothing is held in memory that a restart would lose — the next tick picks
 * up where the last node left off — and nothing is scheduled ahead that a
 * cancel or reschedule would have to find and remove: only live
 * appointments are read, so a cancelled one gets no reminder and a moved one
 * gets them for its new time. Which reminder: see `dueOffset`.
 */
export class ReminderScheduler {
  readonly #alsoEachPass: Array<{ name: string; work: (now: Date) => Promise<void> }> = [];
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;
  #lastForget = 0;

  constructor(
    private readonly db: Database,
    private readonly ledger: DeliveryLedger,
    private readonly service: NotificationService,
    private readonly circles: CircleNotificationService,
    private readonly options: ReminderSchedulerOptions,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops the loop; resolves once a tick in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /**
   * Other upkeep that every node should do now and then, run at the end of
   * each pass on the same clock (the end of circles: CircleRetirement).
   * Its failure is logged and tried again next pass.
   */
  alsoEachPass(name: string, work: (now: Date) => Promise<void>): void {
    this.#alsoEachPass.push({ name, work });
  }

  /** Resolves once the pass in progress, if any, has finished (tests, support). */
  async idle(): Promise<void> {
    await this.#running;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#running = this.tick().finally(() => {
        this.#running = null;
        if (!this.#stopped) this.#schedule(this.options.intervalMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  /** One pass: due reminders, then due retries, then (hourly) old claims forgotten. Never throws. */
  async tick(): Promise<void> {
    const { log } = this.options;
    const now = this.options.now();
    try {
      const { due, recent } = await this.#scan(now);
      for (const { record, offsetMinutes } of due) {
        await this.service
          .remind(record, offsetMinutes)
          .catch((error: unknown) => log.error({ err: error, appointmentId: record.appointmentId }, 'reminder failed'));
      }
      for (const record of recent) {
        await this.service
          .inviteIfMissed(record)
          .catch((error: unknown) => log.error({ err: error, appointmentId: record.appointmentId }, 'missed invitation failed'));
      }
      await this.service
        .cancellationsIfMissed(new Date(now.getTime() - MISSED_INVITATION_WINDOW_MS), new Date(now.getTime() - INVITATION_GRACE_MS))
        .catch((error: unknown) => log.error({ err: error }, 'missed cancellations failed'));
      await this.circles
        .remindDue(now, this.options.offsetsMinutes)
        .catch((error: unknown) => log.error({ err: error }, 'circle reminders failed'));
      await this.service.retryDue();
      this.service.forgetStarted(now);
      this.circles.forgetStarted(now);
      if (now.getTime() - this.#lastForget > HOUR) {
        this.#lastForget = now.getTime();
        const forgotten = await this.ledger.forgetBefore(new Date(now.getTime() - KEEP_CLAIMS_MS));
        if (forgotten > 0) log.info({ forgotten }, 'old delivery claims removed');
      }
      for (const { name, work } of this.#alsoEachPass) {
        await work(now).catch((error: unknown) => log.error({ err: error, task: name }, 'upkeep failed; the next pass tries again'));
      }
    } catch (error) {
      log.error({ err: error }, 'reminder pass failed; the next one tries again');
    }
  }

  /**
   * In one read of the booked appointments: those with a reminder window
   * open now (and which window), and those made lately, whose invitation
   * may have been lost with the node that made them.
   */
  async #scan(now: Date): Promise<{ due: Array<{ record: CalendarRecord; offsetMinutes: number }>; recent: CalendarRecord[] }> {
    const offsets = this.options.offsetsMinutes;
    const largest = offsets[0] ?? 0;
    const madeSince = new Date(now.getTime() - MISSED_INVITATION_WINDOW_MS);
    const madeBefore = new Date(now.getTime() - INVITATION_GRACE_MS);
    const booked = await this.db.appointments
      .find({
        status: 'booked',
        $or: [{ startsAt: { $gt: now, $lte: new Date(now.getTime() + largest * MINUTE) } }, { createdAt: { $gte: madeSince, $lt: madeBefore } }],
      })
      .select({ counselorId: 1, clientId: 1, startsAt: 1, endsAt: 1, createdAt: 1, calendarUid: 1, calendarSequence: 1 })
      .lean<RecordDoc[]>();
    const due = booked.flatMap((appointment) => {
      if (appointment.startsAt <= now || largest === 0) return [];
      const offsetMinutes = dueOffset(appointment.startsAt, now, offsets, appointment.createdAt);
      return offsetMinutes === undefined ? [] : [{ record: toRecord(appointment, 'live', appointment.createdAt ?? null), offsetMinutes }];
    });
    const recent = booked
      .filter((a) => a.createdAt !== undefined && a.createdAt >= madeSince && a.createdAt < madeBefore && a.startsAt > now)
      .map((a) => toRecord(a, 'live', a.createdAt ?? null));
    return { due, recent };
  }
}
