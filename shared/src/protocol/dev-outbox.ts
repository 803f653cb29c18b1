import { z } from 'zod';

/**
 * GET /api/dev/outbox: the email the platform would have sent to the
 * signed-in person, on a deployment without SMTP_URL (development only).
 */
export const OutboxMail = z.object({
  id: z.string(),
  sentAt: z.string(),
  subject: z.string(),
  text: z.string(),
  /** The invitation or cancellation attached to the message, as the recipient would get it. */
  calendar: z
    .object({
      method: z.enum(['REQUEST', 'CANCEL']),
      filename: z.string(),
      content: z.string(),
    })
    .nullable(),
});
export type OutboxMail = z.infer<typeof OutboxMail>;

export const OutboxList = z.array(OutboxMail);
export type OutboxList = z.infer<typeof OutboxList>;
