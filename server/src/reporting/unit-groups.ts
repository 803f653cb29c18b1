import { OTHER_UNITS } from '@care/shared';

/**
 * The columns of a table by unit: a unit with at least k people stands
 * alone; smaller ones are merged into OTHER_UNITS, whose counts are then
 * suppressed like any other (so "other" made of one small unit shows no more
 * than that unit would). A unit of three people would otherwise have every
 * count of its row small, and a single person's visits stand out.
 *
 * `sizes` must not change once a month is shown, or the same month could be
 * cut two ways and one subtracted from the other: the report sizes a unit by
 * the accounts that existed when the month ended.
 */
export function unitGroups(sizes: ReadonlyMap<string, number>, k: number): (unit: string) => string {
  return (unit) => ((sizes.get(unit) ?? 0) >= k ? unit : OTHER_UNITS);
}

/** Columns in a stable order: unit codes alphabetically, then people without a unit, then the merged small units. */
export function byUnitColumn(noUnit: string) {
  const rank = (unit: string) => (unit === OTHER_UNITS ? 2 : unit === noUnit ? 1 : 0);
  return (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);
}
