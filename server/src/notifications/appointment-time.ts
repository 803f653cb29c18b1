import { calendarDateIn, indonesianZoneName, type Locale } from '@care/shared';

const intlLocale: Record<Locale, string> = { id: 'id-ID', en: 'en-GB' };

type FormatKind = 'zone' | 'date' | 'time';
const formatOptions: Record<FormatKind, Intl.DateTimeFormatOptions> = {
  zone: { timeZoneName: 'short' },
  date: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' },
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
};
// Building an Intl formatter costs far more than using one, and every invitation and reminder formats several times.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(kind: FormatKind, timeZone: string, locale: Locale): Intl.DateTimeFormat {
  const key = `${kind} ${locale} ${timeZone}`;
  let made = formatters.get(key);
  if (!made) {
    made = new Intl.DateTimeFormat(intlLocale[locale], { timeZone, ...formatOptions[kind] });
    formatters.set(key, made);
  }
  return made;
}

/** The zone as people say it: WIB, WITA, WIT in Indonesia; the short name Intl knows elsewhere. */
export function zoneLabel(instant: Date, timeZone: string, locale: Locale): string {
  const indonesian = indonesianZoneName(timeZone);
  if (indonesian) return indonesian;
  return formatter('zone', timeZone, locale).formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

/** "Senin, 2 Maret 2026" / "Monday 2 March 2026", in the reader's zone. */
export function formatDate(instant: Date, timeZone: string, locale: Locale): string {
  return formatter('date', timeZone, locale).format(instant);
}

/** "09.00" / "09:00", in the reader's zone. */
export function formatTime(instant: Date, timeZone: string, locale: Locale): string {
  return formatter('time', timeZone, locale).format(instant);
}

/** Whether `instant` falls today or tomorrow by the reader's calendar at `now`. */
export function dayFromNow(instant: Date, now: Date, timeZone: string): 'today' | 'tomorrow' | null {
  const day = calendarDateIn(instant, timeZone);
  if (day === calendarDateIn(now, timeZone)) return 'today';
  if (day === calendarDateIn(new Date(now.getTime() + 86_400_000), timeZone)) return 'tomorrow';
  return null;
}

/** "besok pukul 09.00 WIB", "in 15 minutes (at 09:00 WIB)": how far off a start is, for reminders. `at` is the time with its zone. */
export function relativeStart(start: Date, now: Date, timeZone: string, locale: Locale, at: string): string {
  const minutes = Math.max(1, Math.round((start.getTime() - now.getTime()) / 60_000));
  if (minutes < 120) return locale === 'id' ? `dalam ${minutes} menit (pukul ${at})` : `in ${minutes} minutes (at ${at})`;
  const day = dayFromNow(start, now, timeZone);
  if (locale === 'id') return `${day === 'today' ? 'hari ini' : day === 'tomorrow' ? 'besok' : `pada ${formatDate(start, timeZone, 'id')}`} pukul ${at}`;
  return `${day === 'today' ? 'today' : day === 'tomorrow' ? 'tomorrow' : `on ${formatDate(start, timeZone, 'en')}`} at ${at}`;
}
