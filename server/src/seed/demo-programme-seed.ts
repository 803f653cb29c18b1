import { randomUUID } from 'node:crypto';
import { instantAt, addDays, calendarDateIn } from '@care/shared';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { ProgrammeModels } from '../programme/programme-models.js';
import { PROGRAMME_TIME_ZONE, programmeYearOf } from '../scheduling/allowance-seats.js';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import type { SchedulingModels } from '../scheduling/scheduling-models.js';
import { demoAccounts, DEMO_SESSION_MINUTES, ensureUser } from './demo-seed.js';

const DAY = 86_400_000;

export interface DemoProgrammeOptions {
  /**
   * Outside tests only: weekday hours (08:00–16:00 WIB) for the demo counselor
   * if they have none, so the proposal can be accepted, and the session of a
   * week ago. Tests set their own hours and count every session (the report's
   * utilisation and held sessions, checked cell by cell).
   */
  outsideTests: boolean;
  now?: Date;
}

/**
 * Accompaniment in the demo (issue 13): a session of the demo ASN with the
 * demo counselor a week ago (so "Konselor saya" has someone, holding one
 * seat of the allowance; the demo's session open now would do too), and a
 * follow-up the counselor proposed for a week ahead, waiting for an answer. Safe on several nodes at once: every insert
 * is under a unique index, and a refused one means another node did it.
 */
export async function seedDemoProgramme(
  db: Database,
  scheduling: SchedulingModels,
  programme: ProgrammeModels,
  log: Logger,
  { outsideTests, now = new Date() }: DemoProgrammeOptions,
): Promise<void> {
  const [counselorId, clientId] = [new Types.ObjectId(await ensureUser(db, demoAccounts[0])), new Types.ObjectId(await ensureUser(db, demoAccounts[1]))];
  const ignoreDuplicate = (error: unknown) => {
    if (!isDuplicateKey(error)) throw error;
  };

  if (outsideTests && !(await scheduling.availabilities.exists({ counselorId }))) {
    const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
    await scheduling.availabilities
      .create({
        counselorId,
        timeZone: PROGRAMME_TIME_ZONE,
        weekly: weekdays.map((weekday) => ({ weekday, start: '08:00', end: '16:00' })),
        exceptions: [],
        sessionMinutes: DEMO_SESSION_MINUTES,
        bufferMinutes: 10,
        maxPerDay: 6,
        minNoticeHours: 2,
        horizonDays: 30,
      })
      .catch(ignoreDuplicate);
  }

  const today = calendarDateIn(now, PROGRAMME_TIME_ZONE);
  const lastWeek = instantAt(addDays(today, -7), 10 * 60, PROGRAMME_TIME_ZONE);
  if (outsideTests && !(await db.appointments.exists({ counselorId, clientId, startsAt: { $lt: new Date(now.getTime() - DAY) } }))) {
    const appointmentId = new Types.ObjectId();
    await db.appointments
      .create({
        _id: appointmentId,
        counselorId,
        clientId,
        startsAt: lastWeek,
        endsAt: new Date(lastWeek.getTime() + DEMO_SESSION_MINUTES * 60_000),
        roomId: randomUUID(),
        status: 'completed',
      })
      .then(() =>
        scheduling.allowanceSeats.create({ clientId, year: programmeYearOf(lastWeek), seatNo: 1, appointmentId, startsAt: lastWeek, claimedAt: now }).catch(ignoreDuplicate),
      )
      .catch(ignoreDuplicate);
  }

  // A weekday a week or so ahead, 10:00 WIB: on the demo hours' grid (08:00, then every 60 minutes).
  let day = addDays(today, 7);
  while ([0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay())) day = addDays(day, 1);
  const startsAt = instantAt(day, 10 * 60, PROGRAMME_TIME_ZONE);
  if (await programme.proposals.exists({ counselorId, clientId, startsAt: { $gte: now } })) return;
  await programme.proposals
    .create({
      counselorId,
      clientId,
      startsAt,
      endsAt: new Date(startsAt.getTime() + DEMO_SESSION_MINUTES * 60_000),
      seriesId: new Types.ObjectId(),
      week: 1,
      weeks: 1,
      proposedAt: now,
    })
    .then(() => log.info('demo follow-up proposal created'))
    .catch(ignoreDuplicate);
}
