import { randomUUID } from 'node:crypto';
import { hashPassword } from '@care/server';
import { Types } from 'mongoose';
import type { TestPlatform } from './test-platform.js';

/**
 * A programme's past, written straight into the real database the way the
 * platform writes it: accounts made before the months they act in,
 * appointments held (completed or joined) and missed, cancellations, and
 * support circles with their meetings and attendance claims. For the report
 * tests, which need closed months (the report shows no running month).
 */
export class ReportHistory {
  /** Each appointment gets its own hour of the month, so the unique indexes hold. */
  #hour = new Map<string, number>();
  #passwordHash: Promise<string> | undefined;

  constructor(
    readonly t: TestPlatform,
    readonly counselorId: string,
  ) {}

  /** The instant `hour` hours into a month, in WIB (UTC+7). */
  static at(month: string, hour: number): Date {
    const [year, monthNumber] = month.split('-').map(Number) as [number, number];
    return new Date(Date.UTC(year, monthNumber - 1, 1, hour) - 7 * 3_600_000);
  }

  #nextHour(month: string): number {
    const hour = (this.#hour.get(month) ?? 0) + 2;
    this.#hour.set(month, hour);
    return hour;
  }

  /** ASN accounts of one unit (null: none), made on `createdAt` (so the months after it count them). */
  async clients(unit: string | null, count: number, label: string, createdAt = new Date(Date.UTC(2025, 0, 1))): Promise<string[]> {
    this.#passwordHash ??= hashPassword('not-used-by-these-tests');
    const passwordHash = await this.#passwordHash;
    const tag = randomUUID().slice(0, 8);
    const users = await this.t.platform.db.users.insertMany(
      Array.from({ length: count }, (_, i) => ({
        email: `${label}-${tag}-${i}@history.care-asn.id`,
        displayName: `${label} ${tag} ${i}`,
        role: 'asn',
        agencyUnit: unit,
        passwordHash,
      })),
    );
    const ids = users.map((u) => u._id);
    // The collection directly: mongoose would stamp `createdAt` with today.
    await this.t.platform.db.connection.collection('users').updateMany({ _id: { $in: ids } }, { $set: { createdAt } });
    return ids.map(String);
  }

  /**
   * Sessions of one month: `held` of them held (half marked completed, half
   * joined by the client), `noShows` booked and never joined, `cancelled`
   * cancelled by the client; clients taken in turn from `clientIds`.
   */
  async sessions(month: string, clientIds: readonly string[], counts: { held?: number; noShows?: number; cancelled?: number }, minutes = 50): Promise<void> {
    let turn = 0;
    const nextClient = () => new Types.ObjectId(clientIds[turn++ % clientIds.length]);
    const counselorId = new Types.ObjectId(this.counselorId);
    const slot = () => {
      const startsAt = ReportHistory.at(month, this.#nextHour(month));
      return { startsAt, endsAt: new Date(startsAt.getTime() + minutes * 60_000) };
    };
    const held = Array.from({ length: counts.held ?? 0 }, (_, i) => ({ counselorId, clientId: nextClient(), ...slot(), roomId: randomUUID(), status: i % 2 === 0 ? 'completed' : 'booked' }));
    const missed = Array.from({ length: counts.noShows ?? 0 }, () => ({ counselorId, clientId: nextClient(), ...slot(), roomId: randomUUID(), status: 'booked' }));
    if (held.length + missed.length > 0) {
      const inserted = await this.t.platform.db.appointments.insertMany([...held, ...missed]);
      const joined = inserted.slice(0, held.length).filter((a) => a.status === 'booked');
      if (joined.length > 0) {
        await this.t.platform.db.connection.collection('attendance').insertMany(joined.map((a) => ({ appointmentId: a._id, role: 'asn', joinedAt: a.startsAt })));
      }
    }
    const cancelled = Array.from({ length: counts.cancelled ?? 0 }, () => ({
      _id: new Types.ObjectId(),
      counselorId,
      clientId: nextClient(),
      ...slot(),
      cancelledAt: ReportHistory.at(month, 0),
      cancelledBy: 'asn',
      reason: 'client_cancelled',
      rescheduledTo: null,
    }));
    if (cancelled.length > 0) await this.t.platform.db.connection.collection('cancelled_appointments').insertMany(cancelled);
  }

  /**
   * A support circle with one meeting in `month` per entry of `attendees`,
   * each attended (first join claimed) by those people, as the room records
   * them; the facilitator's own claim too, which the report leaves out.
   */
  async circle(
    month: string,
    capacity: number,
    attendees: ReadonlyArray<readonly string[]>,
    status: 'active' | 'cancelled' = 'active',
    /** The circle's end as stored (what retirement goes by); by default its last meeting's end. */
    endsAt?: Date,
  ): Promise<{ circleId: string; meetingIds: string[] }> {
    const db = this.t.platform.db.connection;
    const facilitatorId = new Types.ObjectId(this.counselorId);
    const starts = attendees.map(() => ReportHistory.at(month, this.#nextHour(month)));
    const lastEnd = endsAt ?? new Date((starts.at(-1) ?? new Date()).getTime() + 90 * 60_000);
    const circleId = new Types.ObjectId();
    const at = ReportHistory.at(month, 0);
    await db.collection('circles').insertOne({
      _id: circleId,
      facilitatorId,
      topic: 'Riwayat kelompok',
      timeZone: 'Asia/Jakarta',
      recurrence: attendees.length > 1 ? 'weekly' : 'once',
      durationMinutes: 90,
      capacity,
      pseudonymous: true,
      status,
      endsAt: lastEnd,
      retiredAt: null,
      createdAt: at,
      updatedAt: at,
    });
    const meetings = starts.map((startsAt, seq) => ({
      _id: new Types.ObjectId(),
      circleId,
      seq,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 90 * 60_000),
      roomId: randomUUID(),
      status: status === 'cancelled' ? 'cancelled' : 'scheduled',
      createdAt: at,
      updatedAt: at,
    }));
    await db.collection('circle_meetings').insertMany(meetings);
    const claims = meetings.flatMap((meeting, i) => [
      { meetingId: meeting._id, userId: facilitatorId, role: 'counselor', meetingStartsAt: meeting.startsAt, joinedAt: meeting.startsAt },
      ...(attendees[i] ?? []).map((userId) => ({ meetingId: meeting._id, userId: new Types.ObjectId(userId), role: 'asn', meetingStartsAt: meeting.startsAt, joinedAt: meeting.startsAt })),
    ]);
    await db.collection('circle_attendance').insertMany(claims);
    return { circleId: String(circleId), meetingIds: meetings.map((m) => String(m._id)) };
  }

  /** A counselor's weekly hours (for utilisation): Mondays 09:00–17:00. */
  async availability(): Promise<void> {
    await this.t.platform.db.connection.collection('availabilities').insertOne({
      counselorId: new Types.ObjectId(this.counselorId),
      timeZone: 'Asia/Jakarta',
      weekly: [{ weekday: 'mon', start: '09:00', end: '17:00' }],
      exceptions: [],
      sessionMinutes: 50,
      bufferMinutes: 10,
      maxPerDay: 8,
      minNoticeHours: 0,
      horizonDays: 30,
    });
  }
}
