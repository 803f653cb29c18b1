const MINUTE = 60_000;

/**
 * Which reminder is due for a session starting at `startsAt`: only the latest
 * window that has opened by `now` (offsets in minutes, largest first). After
 * downtime through the 24 h mark the 24 h reminder still goes out late —
 * unless the 15 min window has opened too, then only that one. And none for
 * a window that opened before the person's place existed (`madeAt`: the
 * booking, or the circle seat): a session booked an hour ahead gets the
 * 15 min reminder, not a "tomorrow".
 */
export function dueOffset(startsAt: Date, now: Date, offsetsMinutes: readonly number[], madeAt: Date | null | undefined): number | undefined {
  const start = startsAt.getTime();
  if (start <= now.getTime()) return undefined;
  const open = offsetsMinutes.filter((minutes) => start - minutes * MINUTE <= now.getTime());
  const latest = open[open.length - 1];
  if (latest === undefined) return undefined;
  if (madeAt && madeAt.getTime() > start - latest * MINUTE) return undefined;
  return latest;
}
