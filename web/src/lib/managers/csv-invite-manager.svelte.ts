import type { CsvInviteReport } from '@care/shared';
import { MAX_CSV_ROWS } from '@care/shared';
import { accountsApi } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

const MAX_BYTES = 256_000;

/** Bulk invites: a CSV file read in the browser, sent as text, and the server's row-by-row report. */
export class CsvInviteManager {
  report = $state<CsvInviteReport | undefined>(undefined);
  uploading = $state(false);
  error = $state<MessageKey | undefined>(undefined);
  errorDetail = $state<string | undefined>(undefined);

  readonly maxRows = MAX_CSV_ROWS;

  async upload(file: File | undefined): Promise<void> {
    this.error = undefined;
    this.errorDetail = undefined;
    this.report = undefined;
    if (!file) {
      this.error = 'csv.noFile';
      return;
    }
    if (file.size > MAX_BYTES) {
      this.error = 'csv.tooLarge';
      return;
    }
    this.uploading = true;
    try {
      this.report = await accountsApi.importInvites(await file.text());
    } catch (error) {
      this.error = errorKey(error);
      // The server's message names what is wrong with the file as a whole (missing columns, too many rows).
      this.errorDetail = error instanceof Error ? error.message : undefined;
    } finally {
      this.uploading = false;
    }
  }
}
