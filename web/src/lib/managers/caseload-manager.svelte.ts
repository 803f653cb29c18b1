import {
  GrantReason,
  MAX_FOLLOW_UP_WEEKS,
  MAX_SESSIONS_PER_GRANT,
  type CaseloadEntry,
  type CaseloadView,
  type ProposalView,
  type ProposeFollowUpResult,
  type SlotView,
} from '@care/shared';
import { api, programmeApi } from '../api/api-client.js';
import { slotWindow } from './find-counselor-manager.svelte.js';
import { PageAction } from './page-action.svelte.js';
import { RolePage } from './role-page.svelte.js';

export const grantReasons = GrantReason.options;
export const followUpWeeks = Array.from({ length: MAX_FOLLOW_UP_WEEKS }, (_, i) => i + 1);
export const grantSizes = Array.from({ length: MAX_SESSIONS_PER_GRANT }, (_, i) => i + 1);

type Panel = { clientId: string; kind: 'propose' | 'grant' };

/**
 * The counselor's caseload: people with upcoming or recent sessions (next and
 * last dates, sessions used; nothing else), with "propose a follow-up" (one
 * of their own free times, once or weekly for N weeks) and "grant more
 * sessions" (a reason code) for each.
 */
export class CaseloadManager extends RolePage {
  view = $state<CaseloadView | undefined>(undefined);
  proposals = $state<ProposalView[]>([]);
  readonly action = new PageAction();

  panel = $state<Panel | undefined>(undefined);
  slots = $state<SlotView[]>([]);
  startsAt = $state('');
  weeks = $state(1);
  reason = $state<GrantReason>('plan_in_progress');
  sessions = $state(1);
  /** What the last proposal did: how many weeks went out, how many were skipped. */
  lastProposal = $state<ProposeFollowUpResult | undefined>(undefined);

  constructor() {
    super('counselor');
  }

  isOpen(entry: CaseloadEntry, kind: Panel['kind']): boolean {
    return this.panel?.clientId === entry.clientId && this.panel.kind === kind;
  }

  proposalsFor(entry: CaseloadEntry): ProposalView[] {
    return this.proposals.filter((p) => p.client.id === entry.clientId && p.state !== 'expired');
  }

  async startPropose(entry: CaseloadEntry): Promise<void> {
    this.#open({ clientId: entry.clientId, kind: 'propose' });
    const me = this.me;
    if (!me) return;
    await this.action.run(async () => {
      this.slots = (await api.counselorSlots(me.id, slotWindow())).slots;
      this.startsAt = this.slots[0]?.startsAt ?? '';
    });
  }

  startGrant(entry: CaseloadEntry): void {
    this.#open({ clientId: entry.clientId, kind: 'grant' });
  }

  close(): void {
    this.panel = undefined;
    this.slots = [];
  }

  async propose(): Promise<boolean> {
    const panel = this.panel;
    if (panel?.kind !== 'propose' || !this.startsAt) return false;
    const done = await this.action.run(async () => {
      this.lastProposal = await programmeApi.propose({ clientId: panel.clientId, startsAt: this.startsAt, weeks: this.weeks });
      await this.read();
    }, 'caseload.proposed');
    if (done) this.close();
    return done;
  }

  async grant(): Promise<boolean> {
    const panel = this.panel;
    if (panel?.kind !== 'grant') return false;
    const done = await this.action.run(async () => {
      await programmeApi.grant(panel.clientId, { reason: this.reason, sessions: this.sessions });
      await this.read();
    }, 'caseload.granted');
    if (done) this.close();
    return done;
  }

  #open(panel: Panel): void {
    this.panel = panel;
    this.weeks = 1;
    this.sessions = 1;
    this.lastProposal = undefined;
    this.action.error = undefined;
    this.action.notice = undefined;
  }

  protected async read(): Promise<void> {
    [this.view, this.proposals] = await Promise.all([programmeApi.caseload(), programmeApi.proposals()]);
  }
}
