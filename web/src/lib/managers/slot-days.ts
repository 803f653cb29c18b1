import { indonesianZoneName } from '@care/shared';

/* Pure date helpers for schedules: no UI language, so unit tests need no runes. */

/** 'WIB', 'WITA', 'WIT', or the IANA name for a zone outside Indonesia. */
export function zoneLabel(timeZone: string): string {
  return indonesianZoneName(timeZone) ?? timeZone;
}

/** The local calendar date ('YYYY-MM-DD') of an instant in `timeZone`. */
export function localDate(iso: string, timeZone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(new Date(iso));
}

export interface DayGroup<T> {
  /** 'YYYY-MM-DD' in the viewer's zone. */
  date: string;
  /** The first item's start, for formatting the day's heading. */
  firstStartsAt: string;
  items: T[];
}

/** Groups items (sorted or not) by the local date of their start in `timeZone`, days and items in time order. */
export function groupByLocalDate<T extends { startsAt: string }>(items: readonly T[], timeZone: string): DayGroup<T>[] {
  const days = new Map<string, T[]>();
  const sorted = [...items].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  for (const item of sorted) {
    const date = localDate(item.startsAt, timeZone);
    days.set(date, [...(days.get(date) ?? []), item]);
  }
  return [...days].map(([date, list]) => ({ date, firstStartsAt: list[0]?.startsAt ?? '', items: list }));
}

