import type { CircleMeetingView, FacilitatedCircleView } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { nextFacilitatedMeetings } from './facilitated-meetings.js';

const meeting = (id: string, startsAt: string, minutes = 60, status: CircleMeetingView['status'] = 'scheduled'): CircleMeetingView => ({
  id,
  seq: 0,
  startsAt,
  endsAt: new Date(Date.parse(startsAt) + minutes * 60_000).toISOString(),
  status,
});

function circle(id: string, meetings: CircleMeetingView[], status: FacilitatedCircleView['status'] = 'active'): FacilitatedCircleView {
  return {
    id,
    topic: `topic ${id}`,
    facilitator: { id: 'f', displayName: 'F' },
    timeZone: 'Asia/Jakarta',
    recurrence: 'weekly',
    durationMinutes: 60,
    capacity: 12,
    pseudonymous: true,
    status,
    seatsTaken: 0,
    seatsLeft: 12,
    waitlistLength: 0,
    meetings,
    meetingCount: meetings.length,
    mine: null,
    members: [],
    waitlistCount: 0,
  };
}

const now = Date.parse('2026-03-02T12:00:00.000Z');

describe('the meetings a facilitator may open next', () => {
  it('takes each active circle’s next meeting that has not ended, soonest first', () => {
    const weekly = circle('a', [meeting('a1', '2026-03-02T11:30:00.000Z'), meeting('a2', '2026-03-09T11:30:00.000Z')]);
    const later = circle('b', [meeting('b1', '2026-03-02T13:00:00.000Z')]);
    expect(nextFacilitatedMeetings([later, weekly], now).map((m) => [m.circleId, m.meeting.id])).toEqual([
      ['a', 'a1'],
      ['b', 'b1'],
    ]);
  });

  it('skips meetings that ended or were cancelled, and cancelled circles', () => {
    const ended = circle('a', [meeting('a1', '2026-03-02T10:00:00.000Z', 120), meeting('a2', '2026-03-09T10:00:00.000Z')]);
    const calledOff = circle('b', [meeting('b1', '2026-03-02T12:30:00.000Z', 60, 'cancelled'), meeting('b2', '2026-03-09T12:30:00.000Z')]);
    const cancelled = circle('c', [meeting('c1', '2026-03-02T12:30:00.000Z')], 'cancelled');
    expect(nextFacilitatedMeetings([ended, calledOff, cancelled], now).map((m) => m.meeting.id)).toEqual(['a2', 'b2']);
  });
});
