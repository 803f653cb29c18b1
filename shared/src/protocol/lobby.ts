import { z } from 'zod';
import { ObjectIdString } from '../domain.js';

export const LobbyKnock = z.strictObject({ appointmentId: ObjectIdString });
export type LobbyKnock = z.infer<typeof LobbyKnock>;

export const LobbyAdmit = z.strictObject({ appointmentId: ObjectIdString, userId: ObjectIdString });
export type LobbyAdmit = z.infer<typeof LobbyAdmit>;

export const LobbyWatch = z.strictObject({ appointmentId: ObjectIdString });
export type LobbyWatch = z.infer<typeof LobbyWatch>;

/** Someone waiting to be admitted, as the counselor sees them. */
export const LobbyEntry = z.object({
  appointmentId: z.string(),
  userId: z.string(),
  displayName: z.string(),
  since: z.string(),
});
export type LobbyEntry = z.infer<typeof LobbyEntry>;

export const LobbyStatus = z.object({ admitted: z.boolean() });

/** The counselor's one-click "I am running late" to whoever waits. */
export const LobbyLate = z.strictObject({
  appointmentId: ObjectIdString,
  minutes: z.union([z.literal(5), z.literal(10), z.literal(15)], { message: 'must be 5, 10 or 15' }),
});
export type LobbyLate = z.infer<typeof LobbyLate>;

export const LobbyLateNotice = z.object({ appointmentId: z.string(), minutes: z.number() });
export type LobbyLateNotice = z.infer<typeof LobbyLateNotice>;
export type LobbyStatus = z.infer<typeof LobbyStatus>;
