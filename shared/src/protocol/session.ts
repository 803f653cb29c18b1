import { z } from 'zod';
import { ObjectIdString, Role } from '../domain.js';

export const SessionParams = z.strictObject({ sessionId: ObjectIdString });
export type SessionParams = z.infer<typeof SessionParams>;

export const SessionKind = z.enum(['one-to-one', 'circle']);
export type SessionKind = z.infer<typeof SessionKind>;

/**
 * What a participant's browser needs to know about the session it is
 * entering: metadata only. In a pseudonymous circle `me.displayName` is the
 * person's pseudonym, which is all the others will see.
 */
export const SessionView = z.object({
  id: z.string(),
  kind: SessionKind,
  startsAt: z.string(),
  endsAt: z.string(),
  host: z.object({ id: z.string(), displayName: z.string() }),
  me: z.object({ displayName: z.string(), role: Role, host: z.boolean() }),
  /** 1:1 only: the other person, whose presence the page shows. */
  other: z.object({ id: z.string(), displayName: z.string() }).optional(),
  circle: z.object({ topic: z.string(), pseudonymous: z.boolean(), capacity: z.number().int() }).optional(),
});
export type SessionView = z.infer<typeof SessionView>;
