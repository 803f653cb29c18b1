import type { AllowanceCountsView, ProgrammeReportView } from '@care/shared';
import { accountsApi, feedbackApi } from '../api/api-client.js';
import type { CurrentUser } from '@care/shared';
import { loadAdminPage } from './admin-page-load.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/**
 * The programme's lines of the report for one year (issue 13 §9): the
 * referral funnel, outcome categories, session feedback, accompaniment
 * length, and allowance use. Counts only, suppressed by the server like the
 * rest of the report; closed months only.
 */
export class ProgrammeReportManager {
  me = $state<CurrentUser | undefined>(undefined);
  year = $state(new Date().getFullYear());
  programme = $state<ProgrammeReportView | undefined>(undefined);
  allowance = $state<AllowanceCountsView | undefined>(undefined);
  loading = $state(true);
  running = $state(false);
  error = $state<MessageKey | undefined>(undefined);
  yearError = $state<MessageKey | undefined>(undefined);

  load(): Promise<void> {
    return loadAdminPage(this, () => this.run());
  }

  async run(): Promise<void> {
    this.yearError = undefined;
    if (!Number.isInteger(this.year) || this.year < 2020 || this.year > 2100) {
      this.yearError = 'programmeReport.badYear';
      return;
    }
    this.running = true;
    try {
      [this.programme, this.allowance] = await Promise.all([feedbackApi.programmeReport(this.year), accountsApi.allowanceCounts(this.year)]);
    } catch (error) {
      this.yearError = errorKey(error);
    } finally {
      this.running = false;
    }
  }
}
