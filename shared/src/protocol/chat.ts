import { z } from 'zod';
import { PlanControlPayload, PlanOpsPayload } from './plan.js';
import { CheckinResultPayload, CheckinSuggestionPayload } from './checkins.js';

export const CHAT_MAX_CHARS = 2000;

/*
 * What travels inside MLS application messages, end to end encrypted: the
 * server relays the ciphertext and never sees any of this. The receiving
 * browser checks it after decrypting.
 */

/** A chat line. */
export const ChatPayload = z.strictObject({
  kind: z.literal('chat'),
  id: z.string().uuid('must be a UUID'),
  text: z.string().trim().min(1, 'must not be empty').max(CHAT_MAX_CHARS, `must be at most ${CHAT_MAX_CHARS} characters`),
});
export type ChatPayload = z.infer<typeof ChatPayload>;

/**
 * An emergency contact the client chooses to give their counselor for this
 * session: shown to the counselor, stored nowhere, gone when the session ends.
 */
export const EmergencyContactPayload = z.strictObject({
  kind: z.literal('emergency-contact'),
  id: z.string().uuid('must be a UUID'),
  name: z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 -]{5,19}$/, 'must be a phone number (digits, spaces, dashes, optional +)'),
  relation: z.string().trim().max(40, 'must be at most 40 characters').default(''),
});
export type EmergencyContactPayload = z.infer<typeof EmergencyContactPayload>;

/** The reactions a circle offers: a small, kind set (support, thanks, agreement), never free text. */
export const REACTIONS = ['heart', 'thanks', 'agree', 'hug', 'strong', 'smile'] as const;
export const Reaction = z.enum(REACTIONS);
export type Reaction = z.infer<typeof Reaction>;

/** A reaction says something about what was said, so it travels encrypted like chat. */
export const ReactionPayload = z.strictObject({
  kind: z.literal('reaction'),
  id: z.string().uuid('must be a UUID'),
  reaction: Reaction,
});
export type ReactionPayload = z.infer<typeof ReactionPayload>;

export const ApplicationPayload = z.discriminatedUnion('kind', [
  ChatPayload,
  EmergencyContactPayload,
  ReactionPayload,
  // The improvement plan, co-edited in a 1:1 session (issue 13 §2).
  PlanOpsPayload,
  PlanControlPayload,
  // Check-ins (issue 13 §4): a result the ASN shares, a questionnaire the counselor suggests.
  CheckinResultPayload,
  CheckinSuggestionPayload,
]);
export type ApplicationPayload = z.infer<typeof ApplicationPayload>;
