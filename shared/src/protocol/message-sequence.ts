import { z } from 'zod';
import { ApplicationPayload } from './chat.js';

/*
 * Per-sender sequence numbers for MLS application messages (issue 14), all
 * inside the end-to-end encrypted plaintext: the server relays the same
 * opaque bytes as before and learns nothing from these fields. A page that
 * comes back (a reconnect, perhaps through another node) says what it has,
 * and the senders' pages send again, from their memory, what it missed.
 */

/** One page's sending stream: the first 16 bytes (hex) of SHA-256 over a secret only that page holds. */
export const MessageStreamId = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 hex digits');
export const MessageSeq = z.number().int().min(1).max(2 ** 31);

/** A chat line, reaction or other application payload, numbered in its sender's stream. */
export const SequencedEnvelope = z.strictObject({
  stream: MessageStreamId,
  seq: MessageSeq,
  /** Sent again for the page with this stream only (after it came back); others ignore it. */
  for: MessageStreamId.optional(),
  payload: ApplicationPayload,
});
export type SequencedEnvelope = z.infer<typeof SequencedEnvelope>;

/** What a page holds of one sender's stream, as inclusive ranges of sequence numbers. */
export const SeenRanges = z.strictObject({
  stream: MessageStreamId,
  ranges: z.array(z.tuple([MessageSeq, MessageSeq])).max(8),
});
export type SeenRanges = z.infer<typeof SeenRanges>;

/**
 * A page entered the room's group: its stream from now on, and — when it was
 * here before — the secret behind its previous stream (so nobody else can
 * claim its place in the conversation) and what it holds of each sender.
 */
export const ResumeNotice = z.strictObject({
  kind: z.literal('resume'),
  stream: MessageStreamId,
  proof: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'must be 32 hex digits')
    .optional(),
  seen: z.array(SeenRanges).max(32),
  /** An answer to a page that announced itself, so that it knows this one was here: not answered again. */
  answer: z.literal(true).optional(),
});
export type ResumeNotice = z.infer<typeof ResumeNotice>;
