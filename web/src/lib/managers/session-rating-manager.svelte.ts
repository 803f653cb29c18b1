import { feedbackChips, type FeedbackChip } from '@care/shared';
import { feedbackApi } from '../api/api-client.js';
import { PageAction } from './page-action.svelte.js';

export { feedbackChips };
export const ratings = [1, 2, 3, 4, 5] as const;

/**
 * Rating one session, after it: 1–5 and chips from a fixed list, no text.
 * The server keeps only the month with it, never who rated which session.
 */
export class SessionRatingManager {
  /** Null until known; then whether it can still be rated, or has been. */
  status = $state<{ rated: boolean; open: boolean } | null>(null);
  rating = $state<number | undefined>(undefined);
  chips = $state<Record<FeedbackChip, boolean>>(Object.fromEntries(feedbackChips.map((c) => [c, false])) as Record<FeedbackChip, boolean>);
  readonly action = new PageAction();

  /** `session` gives the appointment's id (a getter, so a component's prop is read when used). */
  constructor(private readonly session: () => string) {}

  async load(): Promise<void> {
    try {
      this.status = await feedbackApi.status(this.session());
    } catch {
      // A session that was not held (or is not one's own) has nothing to rate: no form.
      this.status = { rated: false, open: false };
    }
  }

  async submit(): Promise<boolean> {
    const rating = this.rating;
    if (rating === undefined) return false;
    return this.action.run(async () => {
      this.status = await feedbackApi.rate({ appointmentId: this.session(), rating, chips: feedbackChips.filter((c) => this.chips[c]) });
    }, 'feedback.thanks');
  }
}
