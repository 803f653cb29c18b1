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
export type LobbyStatus = z.infer<typeof LobbyStatus>;
