import type { CounselorSummary, CurrentUser, MatchedCounselor, MatchRequest, MatchView } from '@care/shared';
import type { AvailabilityService } from '../scheduling/availability-service.js';

/** How much each part of a match weighs: the language spoken outweighs everything else, then what they work with, then gender. */
const WEIGHT = { language: 4, speciality: 2, gender: 1 } as const;

/**
 * Ranks counselors for one intake's match request (issue 13 §7). The request
 * says why someone seeks help: it is applied to this one answer and
 * forgotten — not logged, not stored, not cached.
 */
export class Matching {
  constructor(private readonly availability: AvailabilityService) {}

  async match(user: CurrentUser, request: MatchRequest): Promise<MatchView> {
    // Every active counselor with their profile and next free times (ASN only: the service refuses anyone else).
    const counselors = await this.availability.counselors(user, {});
    const matched = counselors.map((c) => withFits(c, request));
    matched.sort(byMatch);
    return { counselors: matched };
  }
}

function withFits(counselor: CounselorSummary, { language, genderPreference, speciality }: MatchRequest): MatchedCounselor {
  return {
    ...counselor,
    fits: {
      language: counselor.languages.includes(language),
      gender: genderPreference === 'any' || counselor.gender === genderPreference,
      speciality: speciality === undefined || counselor.specialities.includes(speciality),
    },
  };
}

function score({ fits }: MatchedCounselor): number {
  return (fits.language ? WEIGHT.language : 0) + (fits.speciality ? WEIGHT.speciality : 0) + (fits.gender ? WEIGHT.gender : 0);
}

/** The better fit first; among equals the soonest free time; no free time at all last; then by name, so the order is stable. */
function byMatch(a: MatchedCounselor, b: MatchedCounselor): number {
  const fit = score(b) - score(a);
  if (fit !== 0) return fit;
  const soonest = (c: MatchedCounselor) => (c.nextSlots[0] ? Date.parse(c.nextSlots[0].startsAt) : Number.POSITIVE_INFINITY);
  const soon = soonest(a) - soonest(b);
  if (soon !== 0 && !Number.isNaN(soon)) return soon;
  return a.displayName.localeCompare(b.displayName);
}
