import type { CurrentUser, OutboxMail } from '@care/shared';
import { api } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/** The dev outbox page: the email sent to the signed-in person, newest first. */
export class DevOutboxManager {
  me = $state<CurrentUser | undefined>(undefined);
  mails = $state<OutboxMail[]>([]);
  loading = $state(true);
  refreshing = $state(false);
  error = $state<MessageKey | undefined>(undefined);
  /** The last reload, for role=status. */
  notice = $state<string | undefined>(undefined);

  timeZone = $derived(this.me?.timeZone ?? 'Asia/Jakarta');

  async load(): Promise<void> {
    try {
      this.me = await api.me();
      this.mails = await api.devOutbox();
    } catch (error) {
      // No outbox route: this server sends real email.
      this.error = error instanceof ApiError && error.code === 'not_found' ? 'outbox.off' : errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  async refresh(): Promise<number | undefined> {
    this.refreshing = true;
    try {
      this.mails = await api.devOutbox();
      return this.mails.length;
    } catch (error) {
      this.error = errorKey(error);
      return undefined;
    } finally {
      this.refreshing = false;
    }
  }

  /** A link that saves the attached calendar object as a file. */
  calendarHref(mail: OutboxMail): string | undefined {
    return mail.calendar ? `data:text/calendar;charset=utf-8,${encodeURIComponent(mail.calendar.content)}` : undefined;
  }
}
