import type { CheckinRecord, Instrument } from '@care/shared';

/** WHO-5 is asked again after this many days … */
export const WHO5_EVERY_DAYS = 28;
/** … or after this many sessions, whichever comes first. */
export const WHO5_EVERY_SESSIONS = 3;
const DAY = 86_400_000;

/** One instrument's results, oldest first. */
export function inOrder(results: readonly CheckinRecord[], instrument: Instrument): CheckinRecord[] {
  return results.filter((r) => r.instrument === instrument).sort((a, b) => Date.parse(a.takenAt) - Date.parse(b.takenAt));
}

export type Who5Due = { due: true; reason: 'intake' | 'weeks' | 'sessions' } | { due: false; nextBy: Date };

/**
 * Whether a WHO-5 check-in is due, worked out on the device from the
 * person's own history: at intake (none yet), then every four weeks or
 * every three sessions.
 */
export function who5Due(results: readonly CheckinRecord[], sessionsUsed: number | null, now: Date): Who5Due {
  const last = inOrder(results, 'who5').at(-1);
  if (!last) return { due: true, reason: 'intake' };
  const nextBy = new Date(Date.parse(last.takenAt) + WHO5_EVERY_DAYS * DAY);
  if (now.getTime() >= nextBy.getTime()) return { due: true, reason: 'weeks' };
  // Sessions are counted within a programme year: a new year's count starting again is not "fewer sessions".
  if (sessionsUsed !== null && last.sessionsUsed !== null && sessionsUsed - last.sessionsUsed >= WHO5_EVERY_SESSIONS) {
    return { due: true, reason: 'sessions' };
  }
  return { due: false, nextBy };
}
