import { ReferralReason, type ReferralStaffView } from '@care/shared';
import { referralApi } from '../api/api-client.js';
import { PageAction } from './page-action.svelte.js';
import { RolePage } from './role-page.svelte.js';

export const referralReasons = ReferralReason.options;

/**
 * Staff record a referral (an address, a reason code, the referring unit)
 * and follow each one only as invited / accepted / attended (when allowed) /
 * withdrawn. The answer is the same whether the address has an account or
 * not, so the page never says which.
 */
export class StaffReferralsManager extends RolePage {
  referrals = $state<ReferralStaffView[]>([]);
  readonly action = new PageAction();
  email = $state('');
  reason = $state<ReferralReason>('wellbeing');
  unit = $state('');

  constructor() {
    super('admin');
  }

  async create(): Promise<boolean> {
    const done = await this.action.run(async () => {
      await referralApi.create({ email: this.email, reason: this.reason, referringUnit: this.unit });
      this.email = '';
      await this.read();
    }, 'referral.staff.recorded');
    return done;
  }

  async refresh(): Promise<void> {
    await this.action.run(() => this.read());
  }

  protected async read(): Promise<void> {
    this.referrals = await referralApi.list();
  }
}
