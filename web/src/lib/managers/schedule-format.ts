import { ApiError } from '../api/api-error.js';
import { i18n, type MessageKey } from '../i18n/i18n.svelte.js';
import { zoneLabel } from './slot-days.js';

export { groupByLocalDate, localDate, zoneLabel, type DayGroup } from './slot-days.js';

/** The message key for anything an API call threw. */
export function errorKey(error: unknown): MessageKey {
  return error instanceof ApiError ? (`errors.${error.code}` as MessageKey) : 'errors.internal';
}

function locale(): string {
  return i18n.locale === 'id' ? 'id-ID' : 'en-GB';
}

/** '09.00' (id) or '09:00' (en), on the wall clock of `timeZone`. */
export function clock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', hour12: false, timeZone }).format(new Date(iso));
}

/** '09.00–09.50 WIB': a session's time in one zone, named the Indonesian way. */
export function timeRange(startsAt: string, endsAt: string, timeZone: string): string {
  return `${clock(startsAt, timeZone)}–${clock(endsAt, timeZone)} ${zoneLabel(timeZone)}`;
}

/** 'Senin, 2 Maret 2026' in the UI language. */
export function longDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale(), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(new Date(iso));
}


/** A local calendar date ('2026-03-02') as 'Senin, 2 Maret 2026': it names a day, not an instant, so no zone shifts it. */
export function calendarDateLabel(date: string): string {
  return longDate(`${date}T12:00:00Z`, 'UTC');
}
