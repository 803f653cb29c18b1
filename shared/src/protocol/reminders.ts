import { z } from 'zod';

/**
 * Pushed to each person of an appointment when a reminder falls due (by
 * default a day and 15 minutes before). Neutral: when, and which
 * appointment, nothing else.
 */
export const ReminderDue = z.object({
  appointmentId: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  /** Which reminder this is: minutes before the start it was due (1440, 15). */
  offsetMinutes: z.number().int().positive(),
});
export type ReminderDue = z.infer<typeof ReminderDue>;
