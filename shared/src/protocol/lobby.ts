import { z } from 'zod';
import { ObjectIdString } from '../domain.js';

/*
 * A session is a 1:1 appointment or one meeting of a circle; both are known to
 * clients by one opaque id (they live in different collections, and ObjectIds
 * do not collide), so the lobby and the room work the same for both.
 */
export const SessionId = ObjectIdString;

export const LobbyKnock = z.strictObject({ sessionId: SessionId });
export type LobbyKnock = z.infer<typeof LobbyKnock>;

export const LobbyAdmit = z.strictObject({ sessionId: SessionId, userId: ObjectIdString });
export type LobbyAdmit = z.infer<typeof LobbyAdmit>;

export const LobbyWatch = z.strictObject({ sessionId: SessionId });
export type LobbyWatch = z.infer<typeof LobbyWatch>;

/** The host lets everyone who waits in at once (circles). */
export const LobbyAdmitAll = z.strictObject({ sessionId: SessionId });
export type LobbyAdmitAll = z.infer<typeof LobbyAdmitAll>;
export const LobbyAdmittedCount = z.object({ admitted: z.number().int().nonnegative() });

/** Someone waiting to be admitted, as the host sees them (by pseudonym in a pseudonymous circle). */
export const LobbyEntry = z.object({
  sessionId: z.string(),
  userId: z.string(),
  displayName: z.string(),
  since: z.string(),
});
export type LobbyEntry = z.infer<typeof LobbyEntry>;

export const LobbyStatus = z.object({ admitted: z.boolean() });

/** Told to whoever waits for a session, by id. */
export const LobbySessionNotice = z.object({ sessionId: z.string() });

/** The counselor's one-click "I am running late" to whoever waits. */
export const LobbyLate = z.strictObject({
  sessionId: SessionId,
  minutes: z.union([z.literal(5), z.literal(10), z.literal(15)], { message: 'must be 5, 10 or 15' }),
});
export type LobbyLate = z.infer<typeof LobbyLate>;

export const LobbyLateNotice = z.object({ sessionId: z.string(), minutes: z.number() });
export type LobbyLateNotice = z.infer<typeof LobbyLateNotice>;
export type LobbyStatus = z.infer<typeof LobbyStatus>;
