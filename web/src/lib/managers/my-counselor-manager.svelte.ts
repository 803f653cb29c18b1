import type { CurrentUser, MyCounselorView, ProposalView, SlotView } from '@care/shared';
import { api, programmeApi } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { PageAction } from './page-action.svelte.js';
import { errorKey } from './schedule-format.js';

/**
 * "Konselor saya": the ASN's counselor after a first session, their next free
 * times (one tap books one: the button names the time, so it is the
 * confirmation), the allowance before booking, and the follow-ups the
 * counselor proposed, each accepted or declined on its own.
 */
export class MyCounselorManager {
  me = $state<CurrentUser | undefined>(undefined);
  view = $state<MyCounselorView | undefined>(undefined);
  proposals = $state<ProposalView[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  readonly action = new PageAction();

  timeZone = $derived(this.me?.timeZone ?? 'Asia/Jakarta');
  pendingProposals = $derived(this.proposals.filter((p) => p.state === 'pending'));
  answeredProposals = $derived(this.proposals.filter((p) => p.state === 'accepted' || p.state === 'declined'));
  allowanceLeft = $derived((this.view?.allowance.remaining ?? 0) > 0);

  async load(): Promise<void> {
    this.loading = true;
    this.error = undefined;
    try {
      this.me = await api.me();
      if (this.me.role !== 'asn') {
        this.error = 'errors.forbidden';
        return;
      }
      await this.#refresh();
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  /** One step: the free time as shown becomes a booking with the same counselor. */
  async book(slot: SlotView): Promise<boolean> {
    const counselorId = this.view?.counselor?.id;
    if (!counselorId) return false;
    return this.action.run(async () => {
      await api.book({ counselorId, startsAt: slot.startsAt });
      await this.#refresh();
    }, 'myCounselor.booked');
  }

  async accept(proposal: ProposalView): Promise<boolean> {
    return this.action.run(async () => {
      await programmeApi.accept(proposal.id);
      await this.#refresh();
    }, 'myCounselor.accepted');
  }

  async decline(proposal: ProposalView): Promise<boolean> {
    return this.action.run(async () => {
      await programmeApi.decline(proposal.id);
      await this.#refresh();
    }, 'myCounselor.declined');
  }

  async #refresh(): Promise<void> {
    // A refusal (the slot taken in between) leaves the lists stale otherwise: read both again either way.
    [this.view, this.proposals] = await Promise.all([programmeApi.myCounselor(), programmeApi.proposals()]);
  }
}
