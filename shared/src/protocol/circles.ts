import { z } from 'zod';
import { TimeZoneName } from '../scheduling/time-zones.js';
import { Instant } from './scheduling.js';

/*
 * REST bodies and answers of group support circles (/api/circles), the
 * scheduling side: who facilitates, the topic label, when it meets, who holds
 * a seat or waits for one. Never anything said in a meeting.
 */

export const CIRCLE_DEFAULT_CAPACITY = 12;
export const CIRCLE_MAX_CAPACITY = 20;
export const CIRCLE_MIN_CAPACITY = 2;
export const CIRCLE_DEFAULT_MINUTES = 60;
export const CIRCLE_MAX_OCCURRENCES = 26;
/** A meeting's room can be entered from this many minutes before it starts. */
export const CIRCLE_ENTRY_MINUTES_BEFORE = 15;

export const CircleRecurrence = z.enum(['once', 'weekly']);
export type CircleRecurrence = z.infer<typeof CircleRecurrence>;

/** Any short id is accepted here: a malformed one names no circle, and is answered 404 like an unknown one. */
export const CircleParams = z.strictObject({ circleId: z.string().min(1).max(64) });
export type CircleParams = z.infer<typeof CircleParams>;

/**
 * POST /api/circles: a counselor creates a circle. The first meeting is an
 * exact instant; weekly meetings follow at the same wall-clock time in
 * `timeZone` (the counselor's own zone when left out).
 */
export const CreateCircleBody = z
  .strictObject({
    topic: z.string().trim().min(3, 'must be at least 3 characters').max(80, 'must be at most 80 characters'),
    firstStartsAt: Instant,
    timeZone: TimeZoneName.optional(),
    recurrence: CircleRecurrence.default('once'),
    occurrences: z.number().int().min(1).max(CIRCLE_MAX_OCCURRENCES).default(1),
    durationMinutes: z.number().int().min(30).max(180).default(CIRCLE_DEFAULT_MINUTES),
    capacity: z.number().int().min(CIRCLE_MIN_CAPACITY).max(CIRCLE_MAX_CAPACITY).default(CIRCLE_DEFAULT_CAPACITY),
    pseudonymous: z.boolean().default(true),
  })
  .refine((body) => body.recurrence === 'weekly' || body.occurrences === 1, {
    message: 'a one-off circle meets once; choose weekly for more meetings',
    path: ['occurrences'],
  });
export type CreateCircleBody = z.input<typeof CreateCircleBody>;
export type CreateCircleInput = z.output<typeof CreateCircleBody>;

export const CircleMeetingView = z.object({
  /** The meeting id: the session layer's room is entered at /session/<id>. */
  id: z.string(),
  seq: z.number(),
  startsAt: z.string(),
  endsAt: z.string(),
  status: z.enum(['scheduled', 'cancelled']),
});
export type CircleMeetingView = z.infer<typeof CircleMeetingView>;

/** One's own place in a circle. */
export const CircleMembership = z.discriminatedUnion('status', [
  /** `pseudonym` is the name the others see; null when the circle uses real names. */
  z.object({ status: z.literal('enrolled'), seatNo: z.number(), pseudonym: z.string().nullable() }),
  /** 1 is next in line. */
  z.object({ status: z.literal('waitlisted'), position: z.number() }),
]);
export type CircleMembership = z.infer<typeof CircleMembership>;

/** The answer to enrolling: a seat, or a place in line (the same answer again on a repeat). */
export const EnrolResult = CircleMembership;
export type EnrolResult = CircleMembership;

export const LeaveResult = z.object({ left: z.enum(['seat', 'waitlist', 'nothing']) });
export type LeaveResult = z.infer<typeof LeaveResult>;

/** What anyone allowed to see a circle sees: counts, never members. */
export const CircleView = z.object({
  id: z.string(),
  topic: z.string(),
  facilitator: z.object({ id: z.string(), displayName: z.string() }),
  timeZone: z.string(),
  recurrence: CircleRecurrence,
  durationMinutes: z.number(),
  capacity: z.number(),
  pseudonymous: z.boolean(),
  status: z.enum(['active', 'cancelled']),
  seatsTaken: z.number(),
  seatsLeft: z.number(),
  waitlistLength: z.number(),
  /** Meetings that have not ended yet, in order (all of them for a cancelled circle, marked cancelled). */
  meetings: z.array(CircleMeetingView),
  meetingCount: z.number(),
  /** The viewer's own seat or place in line; null when they have neither (and for the facilitator). */
  mine: CircleMembership.nullable(),
});
export type CircleView = z.infer<typeof CircleView>;

export const CircleMember = z.object({
  userId: z.string(),
  displayName: z.string(),
  seatNo: z.number(),
  /** What the other members see; null in a circle that uses real names. */
  pseudonym: z.string().nullable(),
});
export type CircleMember = z.infer<typeof CircleMember>;

/** GET /api/circles/:id/members: the facilitator's own circle only. */
export const CircleMembersView = z.object({ members: z.array(CircleMember), waitlistCount: z.number() });
export type CircleMembersView = z.infer<typeof CircleMembersView>;

/** The facilitator's view of their own circle: who sits in it, and how many wait. */
export const FacilitatedCircleView = CircleView.extend(CircleMembersView.shape);
export type FacilitatedCircleView = z.infer<typeof FacilitatedCircleView>;

/**
 * GET /api/circles/counts (administrators): circles and meetings to come, and
 * how many circles are full or have people waiting — counts of circles,
 * never of people. A live count of seats would bound how many people attended
 * a month's meetings and, with the report, narrow its hidden cells; people
 * are counted only in the report, by closed month.
 */
export const CircleCounts = z.object({
  activeCircles: z.number(),
  upcomingMeetings: z.number(),
  fullCircles: z.number(),
  circlesWithWaitlist: z.number(),
});
export type CircleCounts = z.infer<typeof CircleCounts>;

/** Pushed to the people a circle change concerns (members, the one promoted, the facilitator). */
export const CircleChanged = z.object({
  circleId: z.string(),
  change: z.enum(['created', 'enrolled', 'waitlisted', 'left', 'promoted', 'cancelled']),
});
export type CircleChanged = z.infer<typeof CircleChanged>;
