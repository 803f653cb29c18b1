import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CircleModels } from '../circles/circle-models.js';
import type { Database } from '../db/database.js';

export const DEMO_CIRCLE_TOPIC = 'Ruang Tenang: mengelola stres kerja';
export const DEMO_CIRCLE_MINUTES = 90;

/**
 * The demo circle: facilitated by the demo counselor, the demo civil servants
 * seated in it, under pseudonyms, with a meeting open now. Safe to run on
 * every start and from several nodes: every write is an insert under a unique
 * index, and a lost race reads the winner.
 */
export async function seedDemoCircle(db: Database, facilitatorId: string, memberIds: string[], log: Logger, now: Date): Promise<string> {
  const models = await CircleModels.bind(db);
  // A retired demo circle (its meetings over, its member links deleted) stays retired: a new one is made.
  const circle =
    (await models.circles.findOne({ facilitatorId, topic: DEMO_CIRCLE_TOPIC, retiredAt: null })) ??
    (await models.circles.create({
      facilitatorId,
      topic: DEMO_CIRCLE_TOPIC,
      timeZone: 'Asia/Jakarta',
      recurrence: 'weekly',
      durationMinutes: DEMO_CIRCLE_MINUTES,
      capacity: 12,
      pseudonymous: true,
    }));
  for (const [index, userId] of memberIds.entries()) {
    if (await models.seats.exists({ circleId: circle._id, userId })) continue;
    await models.seats.create({ circleId: circle._id, seatNo: index + 1, userId }).catch((error: unknown) => {
      if ((error as { code?: number }).code !== 11000) throw error;
    });
  }

  const open = await models.meetings.findOne({
    circleId: circle._id,
    status: 'scheduled',
    startsAt: { $lte: now },
    endsAt: { $gte: new Date(now.getTime() + 10 * 60_000) },
  });
  if (open) {
    await extendTo(models, circle._id, open.endsAt);
    return open.id as string;
  }
  const last = await models.meetings.findOne({ circleId: circle._id }).sort({ seq: -1 });
  const startsAt = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  try {
    const meeting = await models.meetings.create({
      circleId: circle._id,
      seq: (last?.seq ?? -1) + 1,
      startsAt,
      endsAt: new Date(startsAt.getTime() + DEMO_CIRCLE_MINUTES * 60_000),
      roomId: randomUUID(),
    });
    log.info({ circleId: circle.id, meetingId: meeting.id }, 'demo circle meeting created');
    await extendTo(models, circle._id, meeting.endsAt);
    return meeting.id as string;
  } catch (error) {
    const raced = await models.meetings.findOne({ circleId: circle._id, startsAt });
    if (raced) return raced.id as string;
    throw error;
  }
}

/** The circle ends no earlier than this meeting (the demo adds meetings as it goes; retirement goes by the circle's end). */
async function extendTo(models: CircleModels, circleId: unknown, endsAt: Date): Promise<void> {
  const circle = await models.circles.findById(circleId).select({ endsAt: 1 }).lean();
  if (!circle?.endsAt || circle.endsAt < endsAt) await models.circles.updateOne({ _id: circleId }, { $set: { endsAt } }, { timestamps: false });
}
