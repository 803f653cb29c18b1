import type { CircleChanged, CircleView, EnrolResult } from '@care/shared';
import { api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { LiveCirclesManager, type CircleNotice } from './live-circles-manager.svelte.js';
import { errorKey } from './schedule-format.js';

/** What the person was told about one circle, shown on its card. */
export type CircleOutcome = { circleId: string } & CircleNotice;

export function enrolNotice(result: EnrolResult): CircleNotice {
  if (result.status === 'waitlisted') return { key: 'circles.waitlisted', params: { position: result.position } };
  return result.pseudonym ? { key: 'circles.enrolled', params: { pseudonym: result.pseudonym } } : { key: 'circles.enrolledRealName' };
}

/** An ASN's circles page: circles open to join, their own circles, enrol and leave; live. */
export class AsnCirclesManager extends LiveCirclesManager {
  open = $state<CircleView[]>([]);
  mine = $state<CircleView[]>([]);
  /** The circle an enrol or leave is running for. */
  working = $state<string | undefined>(undefined);
  outcome = $state<CircleOutcome | undefined>(undefined);
  actionError = $state<{ circleId: string; key: MessageKey } | undefined>(undefined);

  /** Open circles the person is not in yet (theirs are listed under "my circles"). */
  joinable = $derived(this.open.filter((c) => c.mine === null));

  async refresh(): Promise<void> {
    const [open, mine] = await Promise.all([api.openCircles(), api.myCircles()]);
    this.open = open;
    this.mine = mine;
    this.now = Date.now();
  }

  protected override onLiveChange(change: CircleChanged): void {
    const circle = this.mine.find((c) => c.id === change.circleId);
    if (!circle) return;
    if (change.change === 'promoted') this.notice = { key: 'circles.promoted', params: { topic: circle.topic } };
    if (change.change === 'cancelled') this.notice = { key: 'circles.cancelledNotice', params: { topic: circle.topic } };
  }

  async enrol(circle: CircleView): Promise<boolean> {
    return this.#run(circle, async () => enrolNotice(await api.enrol(circle.id)));
  }

  async leave(circle: CircleView): Promise<boolean> {
    return this.#run(circle, async () => {
      const { left } = await api.leaveCircle(circle.id);
      return { key: left === 'waitlist' ? 'circles.leftWaitlist' : 'circles.left' };
    });
  }

  async #run(circle: CircleView, action: () => Promise<CircleNotice>): Promise<boolean> {
    if (this.working) return false;
    this.working = circle.id;
    this.actionError = undefined;
    this.outcome = undefined;
    this.notice = undefined;
    try {
      this.outcome = { circleId: circle.id, ...(await action()) };
      await this.refresh().catch(() => undefined);
      return true;
    } catch (error) {
      this.actionError = { circleId: circle.id, key: errorKey(error) };
      await this.refresh().catch(() => undefined);
      return false;
    } finally {
      this.working = undefined;
    }
  }
}
