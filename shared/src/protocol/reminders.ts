import { z } from 'zod';

/** Which kind of session a reminder is for: a 1:1 appointment or one meeting of a support circle. */
export const ReminderSession = z.enum(['appointment', 'circle_meeting']);
export type ReminderSession = z.infer<typeof ReminderSession>;

/**
 * Pushed to each person of a session when a reminder falls due (by default
 * a day and 15 minutes before). Neutral: when, what kind of session and its
 * id, nothing else — no topic, no name.
 */
export const ReminderDue = z.object({
  session: ReminderSession,
  /** The appointment's or the circle meeting's id (both open at /session/<id>). */
  sessionId: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  /** Which reminder this is: minutes before the start it was due (1440, 15). */
  offsetMinutes: z.number().int().positive(),
});
export type ReminderDue = z.infer<typeof ReminderDue>;
