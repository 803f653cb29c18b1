import { indonesianTimeZones, type CurrentUser, type NotificationSettingsView } from '@care/shared';
import { accountsApi, api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { PageAction } from './page-action.svelte.js';
import { errorKey } from './schedule-format.js';

/** The zones offered by name: the three of Indonesia. */
export const offeredZones = Object.values(indonesianTimeZones);

/** The person's own preferences: their time zone, and which email and reminders they get; edited as a draft and saved in one go. */
export class PreferencesManager {
  me = $state<CurrentUser | undefined>(undefined);
  notifications = $state<NotificationSettingsView | undefined>(undefined);
  timeZone = $state('');
  email = $state(true);
  /** Wanted reminders, minutes before the start. */
  reminders = $state<number[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  readonly saving = new PageAction();

  /** The zones to choose from: Indonesia's three, and the person's own if it is another. */
  zones = $derived(this.me && !offeredZones.includes(this.me.timeZone as (typeof offeredZones)[number]) ? [...offeredZones, this.me.timeZone] : [...offeredZones]);
  /** Administrators get no session reminders; they choose their zone only. */
  remindable = $derived(this.me !== undefined && this.me.role !== 'admin');

  async load(): Promise<void> {
    try {
      const [me, settings] = await Promise.all([api.me(), accountsApi.notificationSettings()]);
      this.me = me;
      this.timeZone = me.timeZone;
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
      if (this.me && this.timeZone !== this.me.timeZone) this.me = await api.setTimeZone(this.timeZone);
      if (this.remindable) this.#take(await accountsApi.saveNotificationSettings({ email: this.email, reminderOffsets: this.reminders }));
    }, 'preferences.saved');
  }

  #take(settings: NotificationSettingsView): void {
    this.notifications = settings;
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
