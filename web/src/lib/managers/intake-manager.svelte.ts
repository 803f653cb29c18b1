import {
  counselorLanguages,
  specialities,
  type BookingView,
  type CounselorLanguage,
  type GenderPreference,
  type MatchedCounselor,
  type MatchRequest,
  type SlotView,
  type Speciality,
} from '@care/shared';
import { api, programmeApi } from '../api/api-client.js';
import { PageAction } from './page-action.svelte.js';
import { RolePage } from './role-page.svelte.js';

export { counselorLanguages };
export const genderPreferences: readonly GenderPreference[] = ['any', 'female', 'male'];
/** The topics offered are the specialities counselors state, plus "not sure" (no speciality asked for). */
export const topics: ReadonlyArray<Speciality | 'unsure'> = [...specialities, 'unsure'];
export const urgencies = ['urgent', 'soon', 'flexible'] as const;
export type Urgency = (typeof urgencies)[number];

/** The intake's answers: in this page's memory only, never stored, never sent as they are. */
export interface IntakeAnswers {
  language: CounselorLanguage;
  genderPreference: GenderPreference;
  topic: Speciality | 'unsure';
  urgency: Urgency;
}

/** The only part of an intake that leaves the device: language, gender preference and (if any) speciality. */
export function matchRequestOf(answers: IntakeAnswers): MatchRequest {
  return {
    language: answers.language,
    genderPreference: answers.genderPreference,
    ...(answers.topic === 'unsure' ? {} : { speciality: answers.topic }),
  };
}

const soonest = (c: MatchedCounselor) => (c.nextSlots[0] ? Date.parse(c.nextSlots[0].startsAt) : Number.POSITIVE_INFINITY);

/**
 * Orders the server's ranking for this person. Urgent: the earliest free
 * time first, whatever the fit (the urgency never left the device, so the
 * server could not do this); otherwise the server's order stands.
 */
export function orderFor(urgency: Urgency, ranked: MatchedCounselor[]): MatchedCounselor[] {
  if (urgency !== 'urgent') return ranked;
  return ranked
    .map((c, rank) => ({ c, rank }))
    .sort((a, b) => soonest(a.c) - soonest(b.c) || a.rank - b.rank)
    .map(({ c }) => c);
}

/**
 * "Mulai di sini": a short intake on the device, then counselors ranked for
 * it with their next free times, and booking one of those times.
 */
export class IntakeManager extends RolePage {
  answers = $state<IntakeAnswers>({ language: 'id', genderPreference: 'any', topic: 'unsure', urgency: 'soon' });
  /** The answers the shown list was made for (the urgent panel follows them, not an unsent change). */
  asked = $state<IntakeAnswers | undefined>(undefined);
  ranked = $state<MatchedCounselor[]>([]);
  readonly action = new PageAction();

  pending = $state<{ counselor: MatchedCounselor; slot: SlotView } | undefined>(undefined);
  booked = $state<{ counselor: MatchedCounselor; booking: BookingView } | undefined>(undefined);

  urgent = $derived(this.asked?.urgency === 'urgent');
  shown = $derived(this.asked ? orderFor(this.asked.urgency, this.ranked) : []);

  constructor() {
    super('asn');
  }

  protected async read(): Promise<void> {
    // Nothing to read before the intake: the list comes from the answers.
  }

  async submit(): Promise<boolean> {
    const answers = { ...this.answers };
    this.pending = undefined;
    this.booked = undefined;
    return this.action.run(async () => {
      this.ranked = (await programmeApi.match(matchRequestOf(answers))).counselors;
      this.asked = answers;
    });
  }

  choose(counselor: MatchedCounselor, slot: SlotView): void {
    this.pending = { counselor, slot };
    this.action.error = undefined;
  }

  cancel(): void {
    this.pending = undefined;
  }

  async book(): Promise<boolean> {
    const pending = this.pending;
    if (!pending) return false;
    return this.action.run(async () => {
      const booking = await api.book({ counselorId: pending.counselor.id, startsAt: pending.slot.startsAt });
      this.booked = { counselor: pending.counselor, booking };
      this.pending = undefined;
    });
  }

  /** Back to the questions; the list and answers stay in memory until the page is left. */
  again(): void {
    this.asked = undefined;
    this.ranked = [];
    this.pending = undefined;
    this.booked = undefined;
  }
}
