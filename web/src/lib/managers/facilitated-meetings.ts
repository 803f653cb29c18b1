import type { CircleMeetingView, FacilitatedCircleView } from '@care/shared';

/** A meeting the facilitator runs, with the circle it belongs to. */
export interface FacilitatedMeeting {
  circleId: string;
  topic: string;
  meeting: CircleMeetingView;
}

/**
 * Each active circle's next meeting that has not ended, soonest first: the
 * one the facilitator may have to open next (a weekly circle lists the rest on
 * the circles page).
 */
export function nextFacilitatedMeetings(circles: readonly FacilitatedCircleView[], now: number): FacilitatedMeeting[] {
  const next: FacilitatedMeeting[] = [];
  for (const circle of circles) {
    if (circle.status !== 'active') continue;
    const meeting = circle.meetings.find((m) => m.status === 'scheduled' && Date.parse(m.endsAt) > now);
    if (meeting) next.push({ circleId: circle.id, topic: circle.topic, meeting });
  }
  return next.sort((a, b) => Date.parse(a.meeting.startsAt) - Date.parse(b.meeting.startsAt));
}
