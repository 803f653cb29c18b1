import type { ReferralAsnView } from '@care/shared';
import { referralApi } from '../api/api-client.js';
import { PageAction } from './page-action.svelte.js';
import { RolePage } from './role-page.svelte.js';

/**
 * "Undangan rujukan": the referrals made to this ASN. For each, the person
 * decides whether to take it up and, separately, whether "attended: yes/no"
 * may be reported; both can be withdrawn. Each decision is recorded with its
 * time and shown back as a history.
 */
export class MyReferralsManager extends RolePage {
  referrals = $state<ReferralAsnView[]>([]);
  readonly action = new PageAction();
  /** The attendance choice offered beside "take it up", per referral (off unless the person turns it on). */
  reportAttendance = $state<Record<string, boolean>>({});

  constructor() {
    super('asn');
  }

  accept(referral: ReferralAsnView): Promise<boolean> {
    return this.#decide(() => referralApi.accept(referral.id, { reportAttendance: this.reportAttendance[referral.id] ?? false }), 'referral.mine.accepted');
  }

  decline(referral: ReferralAsnView): Promise<boolean> {
    return this.#decide(() => referralApi.decline(referral.id), 'referral.mine.declined');
  }

  withdraw(referral: ReferralAsnView): Promise<boolean> {
    return this.#decide(() => referralApi.withdraw(referral.id), 'referral.mine.withdrawn');
  }

  setAttendance(referral: ReferralAsnView, consent: boolean): Promise<boolean> {
    return this.#decide(() => referralApi.attendanceConsent(referral.id, consent), consent ? 'referral.mine.attendanceOn' : 'referral.mine.attendanceOff');
  }

  async #decide(decision: () => Promise<ReferralAsnView>, done: Parameters<PageAction['run']>[1]): Promise<boolean> {
    return this.action.run(async () => {
      const updated = await decision();
      this.referrals = this.referrals.map((r) => (r.id === updated.id ? updated : r));
    }, done);
  }

  protected async read(): Promise<void> {
    this.referrals = await referralApi.mine();
  }
}
