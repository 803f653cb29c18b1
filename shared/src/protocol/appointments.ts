import { z } from 'zod';
import { AppointmentStatus, ObjectIdString } from '../domain.js';

export const AppointmentParams = z.strictObject({ appointmentId: ObjectIdString });
export type AppointmentParams = z.infer<typeof AppointmentParams>;

/** What a participant sees of an appointment: metadata only, never content. */
export const AppointmentView = z.object({
  id: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  status: AppointmentStatus,
  counselor: z.object({ id: z.string(), displayName: z.string() }),
  client: z.object({ id: z.string(), displayName: z.string() }),
});
export type AppointmentView = z.infer<typeof AppointmentView>;
