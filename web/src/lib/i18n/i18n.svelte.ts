import type { Locale } from '@care/shared';
import { en } from './en.js';
import { id, type MessageKey } from './id.js';

const STORAGE_KEY = 'care.locale';
const catalogs: Record<Locale, Record<MessageKey, string>> = { id, en };

function initialLocale(): Locale {
  if (typeof localStorage === 'undefined') return 'id';
  const saved = localStorage.getItem(STORAGE_KEY);
  return saved === 'en' ? 'en' : 'id';
}

/** A message in a given language, its {placeholders} filled (a page that shows both languages at once, like the offline page). */
export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  // Keys built at run time (errors.<code>) are covered by a test; the fallback keeps a gap harmless.
  const template = catalogs[locale][key] ?? catalogs.id[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The UI language: Indonesian unless the person chose English. */
class I18n {
  locale = $state<Locale>(initialLocale());

  setLocale(locale: Locale): void {
    this.locale = locale;
    localStorage.setItem(STORAGE_KEY, locale);
    document.documentElement.lang = locale;
  }

  /** Looks up a message and fills its {placeholders}. */
  t = (key: MessageKey, params: Record<string, string | number> = {}): string => translate(this.locale, key, params);

  /** Times are shown in the person's own zone (WIB/WITA/WIT), in the UI language. */
  formatTime(iso: string, timeZone: string): string {
    return new Intl.DateTimeFormat(this.locale === 'id' ? 'id-ID' : 'en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    }).format(new Date(iso));
  }

  formatDate(iso: string, timeZone: string): string {
    return new Intl.DateTimeFormat(this.locale === 'id' ? 'id-ID' : 'en-GB', {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      timeZone,
    }).format(new Date(iso));
  }
}

export const i18n = new I18n();
export const t = i18n.t;
export type { MessageKey };
