import { z } from 'zod';

export const CHAT_MAX_CHARS = 2000;

/**
 * A chat line as it travels inside an MLS application message, end to end
 * encrypted: the server relays the ciphertext and never sees this. The
 * receiving browser checks it after decrypting.
 */
export const ChatPayload = z.strictObject({
  id: z.string().uuid('must be a UUID'),
  text: z.string().trim().min(1, 'must not be empty').max(CHAT_MAX_CHARS, `must be at most ${CHAT_MAX_CHARS} characters`),
});
export type ChatPayload = z.infer<typeof ChatPayload>;
