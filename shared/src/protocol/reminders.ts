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

/**
 * What a person chooses to be told, and how (PUT /api/account/notifications).
 * Email can be turned off entirely — some read their work mail where others
 * can see it — and each reminder the programme offers can be turned off;
 * in-app reminders follow the same choice of reminders.
 */
export const NotificationSettingsBody = z
  .object({
    email: z.boolean(),
    /** The reminders wanted, as minutes before the start; each must be one the programme offers. */
    reminderOffsets: z.array(z.number().int().positive()).max(12),
  })
  .strict();
export type NotificationSettingsBody = z.infer<typeof NotificationSettingsBody>;

export const NotificationSettingsView = NotificationSettingsBody.extend({
  /** The reminders the programme offers (minutes before the start, largest first). */
  availableOffsets: z.array(z.number().int().positive()),
  /** Whether this deployment sends email at all (in development without SMTP it goes to the dev outbox). */
  emailAvailable: z.boolean(),
});
export type NotificationSettingsView = z.infer<typeof NotificationSettingsView>;
