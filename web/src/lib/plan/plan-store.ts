import { PlanRecord, StoredPlan } from '@care/shared';
import { DeviceVault } from '../sealed/device-vault.js';

const OWN = 'plan';
const kept = (planId: string) => `plan-kept:${planId}`;

/**
 * Where plans live on a device, sealed at rest in the account's DeviceVault:
 * the client's own plan (with their choice about the counselor's copy), and
 * on a counselor's device the copies a client allowed them to keep, one per
 * plan. Nothing here goes to the server.
 */
export class PlanStore {
  private constructor(private readonly vault: DeviceVault) {}

  static async open(accountId: string): Promise<PlanStore> {
    return new PlanStore(await DeviceVault.open(accountId));
  }

  own(): Promise<StoredPlan | undefined> {
    return this.vault.get(OWN, StoredPlan);
  }

  saveOwn(plan: StoredPlan): Promise<void> {
    return this.vault.put(OWN, plan);
  }

  kept(planId: string): Promise<PlanRecord | undefined> {
    return this.vault.get(kept(planId), PlanRecord);
  }

  keep(record: PlanRecord): Promise<void> {
    return this.vault.put(kept(record.plan), record);
  }

  forget(planId: string): Promise<void> {
    return this.vault.delete(kept(planId));
  }
}
