import { z } from 'zod';
import { ObjectIdString } from '../domain.js';

export const PresenceSubscribe = z.strictObject({
  userIds: z.array(ObjectIdString).min(1).max(20),
});
export type PresenceSubscribe = z.infer<typeof PresenceSubscribe>;

/**
 * What a person waiting sees of the other: not connected, connected, or
 * connected and hosting another session right now ("in a session": a
 * counselor whose earlier session runs over). A session the viewer takes
 * part in never makes the other look busy to them.
 */
export const PresenceStatus = z.enum(['offline', 'online', 'in_session']);
export type PresenceStatus = z.infer<typeof PresenceStatus>;

export const PresenceState = z.object({ userId: z.string(), online: z.boolean(), status: PresenceStatus });
export type PresenceState = z.infer<typeof PresenceState>;
