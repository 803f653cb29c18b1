import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import type { Attendance } from './attendance-model.js';
import type { CircleAttendance } from './circle-attendance-model.js';

/** How long a join waits for its attendance claim to be written. */
const WRITE_PATIENCE_MS = 1000;

/**
 * Records the first time each side joins an appointment's room (for no-show
 * counts), and each person's first join of a circle meeting (for circle
 * attendance counts).
 */
export class AttendanceRecorder {
  constructor(
    private readonly attendance: Model<Attendance>,
    private readonly circleAttendance: Model<CircleAttendance>,
    private readonly log: Logger,
  ) {}

  /**
   * Never fails the join: a duplicate is the usual case (a rejoin), and
   * anything else is only logged. Nor does it hold the join up for long: a
   * database that has gone silent gets a moment, then the write goes on
   * without the join waiting for it.
   */
  async joined(appointmentId: string, role: 'asn' | 'counselor', at = new Date()): Promise<void> {
    await this.#claim(this.attendance.create({ appointmentId, role, joinedAt: at }), { appointmentId });
  }

  /** The same for a circle meeting: one claim per meeting and person. */
  async joinedCircleMeeting(meetingId: string, userId: string, role: 'asn' | 'counselor', meetingStartsAt: Date, at = new Date()): Promise<void> {
    await this.#claim(this.circleAttendance.create({ meetingId, userId, role, meetingStartsAt, joinedAt: at }), { meetingId });
  }

  async #claim(insert: Promise<unknown>, ids: Record<string, string>): Promise<void> {
    const write = insert.then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof Error && 'code' in error && error.code === 11000) return;
        this.log.warn({ err: error, ...ids }, 'could not record attendance');
      },
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([write, new Promise<void>((resolve) => (timer = setTimeout(resolve, WRITE_PATIENCE_MS)))]);
    clearTimeout(timer);
  }
}
