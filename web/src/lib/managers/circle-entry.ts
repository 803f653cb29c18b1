import { CIRCLE_ENTRY_MINUTES_BEFORE, type CircleMeetingView } from '@care/shared';

const LEAD_MS = CIRCLE_ENTRY_MINUTES_BEFORE * 60_000;

/** Whether a meeting's room can be entered now: from 15 minutes before it starts until it ends. The session layer decides for real. */
export function canEnter(meeting: CircleMeetingView, now: number): boolean {
  return meeting.status === 'scheduled' && now >= Date.parse(meeting.startsAt) - LEAD_MS && now < Date.parse(meeting.endsAt);
}

/** When the way in opens. */
export function enterFrom(meeting: CircleMeetingView): string {
  return new Date(Date.parse(meeting.startsAt) - LEAD_MS).toISOString();
}
