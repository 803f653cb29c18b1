import { z } from 'zod';

export const CHAT_MAX_CHARS = 2000;

/**
 * A chat line on its way through the relay. The server forwards it to the
 * room and forgets it: chat is never stored or logged.
 */
export const ChatSend = z.strictObject({
  clientMessageId: z.string().uuid('must be a UUID'),
  text: z.string().trim().min(1, 'must not be empty').max(CHAT_MAX_CHARS, `must be at most ${CHAT_MAX_CHARS} characters`),
});
export type ChatSend = z.infer<typeof ChatSend>;

export const ChatSent = z.object({ sentAt: z.string() });
export type ChatSent = z.infer<typeof ChatSent>;

export const ChatMessage = z.object({
  clientMessageId: z.string(),
  fromPeerId: z.string(),
  text: z.string(),
  sentAt: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;
