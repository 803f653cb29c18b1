import { NO_UNIT, OTHER_UNITS, type CurrentUser, type ReportFigure, type ReportView } from '@care/shared';
import { accountsApi } from '../api/api-client.js';
import { loadAdminPage } from './admin-page-load.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

function monthOf(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`;
}

/** How a count reads: the number, "<k", or "—" for a figure withheld so it cannot give a hidden one back. */
export function countText(count: ReportFigure): string {
  return count === null ? '—' : String(count);
}

/** The message naming a unit column that is not a unit code (no unit; the small units together), else undefined. */
export function unitKey(unit: string): MessageKey | undefined {
  if (unit === NO_UNIT) return 'report.noUnit';
  if (unit === OTHER_UNITS) return 'report.otherUnits';
  return undefined;
}

/** The employer-blind report: a month range, and counts only (closed months; small ones already suppressed by the server). */
export class ReportManager {
  me = $state<CurrentUser | undefined>(undefined);
  // The last three months that have closed: a running month is not shown.
  from = $state(monthOf(new Date(new Date().getFullYear(), new Date().getMonth() - 3, 1)));
  to = $state(monthOf(new Date(new Date().getFullYear(), new Date().getMonth() - 1, 1)));
  report = $state<ReportView | undefined>(undefined);
  loading = $state(true);
  running = $state(false);
  error = $state<MessageKey | undefined>(undefined);
  rangeError = $state<MessageKey | undefined>(undefined);

  load(): Promise<void> {
    return loadAdminPage(this, () => this.run());
  }

  async run(): Promise<void> {
    this.rangeError = undefined;
    if (!/^\d{4}-\d{2}$/.test(this.from) || !/^\d{4}-\d{2}$/.test(this.to) || this.from > this.to) {
      this.rangeError = 'report.badRange';
      return;
    }
    this.running = true;
    try {
      this.report = await accountsApi.report(this.from, this.to);
    } catch (error) {
      this.rangeError = errorKey(error);
    } finally {
      this.running = false;
    }
  }
}
