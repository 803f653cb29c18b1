import type { CurrentUser } from '@care/shared';
import { api } from '../api/api-client.js';
import { CheckinJournal } from '../checkins/checkin-journal.js';
import { PlanStore } from '../plan/plan-store.js';
import { sampleCheckins, samplePlan } from './device-samples.js';

/**
 * On a demo deployment, an ASN's page may fill this device with the demo's
 * sample plan and check-ins (what no server seed can hold). Offered only
 * where the server says the demo is seeded, and only into an empty vault:
 * it never replaces what a person wrote.
 */
export class DemoDevice {
  offered = $state(false);
  loading = $state(false);
  loaded = $state(false);

  /** Whether to offer the samples to `me` on this device. */
  async check(me: CurrentUser | undefined): Promise<void> {
    if (me?.role !== 'asn') return;
    try {
      await api.demoDevice();
    } catch {
      return;
    }
    const [plan, journal] = await Promise.all([PlanStore.open(me.id).then((s) => s.own()), CheckinJournal.open(me.id).then((j) => j.read())]);
    this.offered = plan === undefined && journal.results.length === 0;
  }

  async load(me: CurrentUser, timeZone: string): Promise<void> {
    this.loading = true;
    try {
      const now = new Date();
      const plans = await PlanStore.open(me.id);
      if ((await plans.own()) === undefined) await plans.saveOwn(samplePlan(now, timeZone));
      const journal = await CheckinJournal.open(me.id);
      await journal.change((data) => (data.results.length === 0 ? { ...data, results: sampleCheckins(now).results } : data));
      this.loaded = true;
      this.offered = false;
    } finally {
      this.loading = false;
    }
  }
}
