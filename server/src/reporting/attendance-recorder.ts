import type { Model } from 'mongoose';
import type { Logger } from 'pino';
import type { Attendance } from './attendance-model.js';

/** Records the first time each side joins an appointment's room (for no-show counts). */
export class AttendanceRecorder {
  constructor(
    private readonly attendance: Model<Attendance>,
    private readonly log: Logger,
  ) {}

  /** Never fails the join: a duplicate is the usual case (a rejoin), and anything else is only logged. */
  async joined(appointmentId: string, role: 'asn' | 'counselor', at = new Date()): Promise<void> {
    try {
      await this.attendance.create({ appointmentId, role, joinedAt: at });
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 11000) return;
      this.log.warn({ err: error, appointmentId }, 'could not record attendance');
    }
  }
}
