import type { MyCounselorView, ProposalView, SlotView } from '@care/shared';
import { api, programmeApi } from '../api/api-client.js';
import { PageAction } from './page-action.svelte.js';
import { RolePage } from './role-page.svelte.js';

/**
 * "Konselor saya": the ASN's counselor after a first session, their next free
 * times (one tap books one: the button names the time, so it is the
 * confirmation), the allowance before booking, and the follow-ups the
 * counselor proposed, each accepted or declined on its own.
 */
export class MyCounselorManager extends RolePage {
  view = $state<MyCounselorView | undefined>(undefined);
  proposals = $state<ProposalView[]>([]);
  readonly action = new PageAction();

  pendingProposals = $derived(this.proposals.filter((p) => p.state === 'pending'));
  allowanceLeft = $derived((this.view?.allowance.remaining ?? 0) > 0);

  constructor() {
    super('asn');
  }

  /** One step: the free time as shown becomes a booking with the same counselor. */
  async book(slot: SlotView): Promise<boolean> {
    const counselorId = this.view?.counselor?.id;
    if (!counselorId) return false;
    return this.action.run(async () => {
      await api.book({ counselorId, startsAt: slot.startsAt });
      await this.read();
    }, 'myCounselor.booked');
  }

  async accept(proposal: ProposalView): Promise<boolean> {
    return this.action.run(async () => {
      await programmeApi.accept(proposal.id);
      await this.read();
    }, 'myCounselor.accepted');
  }

  async decline(proposal: ProposalView): Promise<boolean> {
    return this.action.run(async () => {
      await programmeApi.decline(proposal.id);
      await this.read();
    }, 'myCounselor.declined');
  }

  protected async read(): Promise<void> {
    // A refusal (the slot taken in between) leaves the lists stale otherwise: read both again either way.
    [this.view, this.proposals] = await Promise.all([programmeApi.myCounselor(), programmeApi.proposals()]);
  }
}
