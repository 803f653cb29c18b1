import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import type { Attendance } from './attendance-model.js';

/** How long a join waits for its attendance claim to be written. */
const WRITE_PATIENCE_MS = 1000;

/** Records the first time each side joins an appointment's room (for no-show counts). */
export class AttendanceRecorder {
  constructor(
    private readonly attendance: Model<Attendance>,
    private readonly log: Logger,
  ) {}

  /**
   * Never fails the join: a duplicate is the usual case (a rejoin), and
   * anything else is only logged. Nor does it hold the join up for long: a
   * database that has gone silent gets a moment, then the write goes on
   * without the join waiting for it.
   */
  async joined(appointmentId: string, role: 'asn' | 'counselor', at = new Date()): Promise<void> {
    const write = this.attendance.create({ appointmentId, role, joinedAt: at }).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof Error && 'code' in error && error.code === 11000) return;
        this.log.warn({ err: error, appointmentId }, 'could not record attendance');
      },
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([write, new Promise<void>((resolve) => (timer = setTimeout(resolve, WRITE_PATIENCE_MS)))]);
    clearTimeout(timer);
  }
}
