/**
 * Months of the report, counted in WIB (UTC+7, no daylight saving): the
 * programme's reporting zone. A session at 23:30 WITA on the last day of a
 * month counts in that month in WIB too (22:30); only sessions between 00:00
 * and 01:00 WITA (or 02:00 WIT) on the 1st fall in the previous WIB month.
 */
const WIB_OFFSET_MS = 7 * 3_600_000;

export function monthStart(month: string): Date {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, monthNumber - 1, 1) - WIB_OFFSET_MS);
}

export function nextMonth(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return monthNumber === 12 ? `${year + 1}-01` : `${year}-${String(monthNumber + 1).padStart(2, '0')}`;
}

export function monthsFrom(from: string, to: string): string[] {
  const months: string[] = [];
  for (let month = from; month <= to; month = nextMonth(month)) months.push(month);
  return months;
}

export function monthOf(instant: Date): string {
  const wib = new Date(instant.getTime() + WIB_OFFSET_MS);
  return `${wib.getUTCFullYear()}-${String(wib.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The calendar dates of a month, with their weekday (0 = Sunday). */
export function datesOf(month: string): Array<{ date: string; weekday: number }> {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
  return Array.from({ length: days }, (_, i) => ({
    date: `${month}-${String(i + 1).padStart(2, '0')}`,
    weekday: new Date(Date.UTC(year, monthNumber - 1, i + 1)).getUTCDay(),
  }));
}
