import { z } from 'zod';
import { CounselorLanguage, Speciality } from '../scheduling/counselor-profile.js';
import { CounselorSummary } from './scheduling.js';

/*
 * Intake and matching (issue 13 §7). The intake (language, counselor gender
 * preference, topic, urgency) is answered and kept on the ASN's device; only
 * the match request below reaches the server, in a POST body (never a URL),
 * where it ranks counselors for this one answer and is neither logged nor
 * stored. Urgency never leaves the device: the page itself puts the earliest
 * times first and shows the crisis panel.
 */

export const GenderPreference = z.enum(['any', 'female', 'male'], { message: 'must be one of any, female, male' });
export type GenderPreference = z.infer<typeof GenderPreference>;

/** POST /api/programme/match. No speciality when the person is not sure what it is about. */
export const MatchRequest = z.strictObject({
  language: CounselorLanguage,
  genderPreference: GenderPreference,
  speciality: Speciality.optional(),
});
export type MatchRequest = z.infer<typeof MatchRequest>;

/** One counselor as matched: what of the request they meet, and their next free times. */
export const MatchedCounselor = CounselorSummary.extend({
  fits: z.object({ language: z.boolean(), gender: z.boolean(), speciality: z.boolean() }),
});
export type MatchedCounselor = z.infer<typeof MatchedCounselor>;

/** Best first: language, then speciality, then gender; among equals, the soonest free time. Counselors with no free time come last. */
export const MatchView = z.object({ counselors: z.array(MatchedCounselor) });
export type MatchView = z.infer<typeof MatchView>;
