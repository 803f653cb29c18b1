import { z } from 'zod';
import { ObjectIdString } from '../domain.js';

export const PresenceSubscribe = z.strictObject({
  userIds: z.array(ObjectIdString).min(1).max(20),
});
export type PresenceSubscribe = z.infer<typeof PresenceSubscribe>;

export const PresenceState = z.object({ userId: z.string(), online: z.boolean() });
export type PresenceState = z.infer<typeof PresenceState>;
