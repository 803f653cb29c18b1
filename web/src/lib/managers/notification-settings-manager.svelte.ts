import type { CurrentUser, NotificationSettingsView } from '@care/shared';
import { accountsApi, api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { PageAction } from './page-action.svelte.js';
import { errorKey } from './schedule-format.js';

/** The person's own choice of email and reminders, edited as a draft and saved in one go. */
export class NotificationSettingsManager {
  me = $state<CurrentUser | undefined>(undefined);
  saved = $state<NotificationSettingsView | undefined>(undefined);
  email = $state(true);
  /** Wanted reminders, minutes before the start. */
  reminders = $state<number[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  readonly saving = new PageAction();

  async load(): Promise<void> {
    try {
      const [me, settings] = await Promise.all([api.me(), accountsApi.notificationSettings()]);
      this.me = me;
      this.#take(settings);
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  toggleReminder(offsetMinutes: number, on: boolean): void {
    this.reminders = on ? [...new Set([...this.reminders, offsetMinutes])] : this.reminders.filter((o) => o !== offsetMinutes);
    this.saving.notice = undefined;
  }

  save(): Promise<boolean> {
    return this.saving.run(async () => {
      this.#take(await accountsApi.saveNotificationSettings({ email: this.email, reminderOffsets: this.reminders }));
    }, 'notifications.saved');
  }

  #take(settings: NotificationSettingsView): void {
    this.saved = settings;
    this.email = settings.email;
    this.reminders = [...settings.reminderOffsets];
  }
}

/** How long before a session a reminder comes, as people say it: "15 menit", "1 hari". */
export function reminderLead(offsetMinutes: number): { key: MessageKey; count: number } {
  if (offsetMinutes % 1440 === 0) return { key: 'notifications.days', count: offsetMinutes / 1440 };
  if (offsetMinutes % 60 === 0) return { key: 'notifications.hours', count: offsetMinutes / 60 };
  return { key: 'notifications.minutes', count: offsetMinutes };
}
