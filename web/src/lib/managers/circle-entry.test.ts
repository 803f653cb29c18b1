import type { CircleMeetingView } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { canEnter, enterFrom } from './circle-entry.js';

const meeting: CircleMeetingView = { id: 'm', seq: 0, startsAt: '2026-03-02T12:00:00.000Z', endsAt: '2026-03-02T13:30:00.000Z', status: 'scheduled' };
const at = (iso: string) => Date.parse(iso);

describe('entering a circle meeting', () => {
  it('opens 15 minutes before the start and closes at the end', () => {
    expect(canEnter(meeting, at('2026-03-02T11:44:59.999Z'))).toBe(false);
    expect(canEnter(meeting, at('2026-03-02T11:45:00.000Z'))).toBe(true);
    expect(canEnter(meeting, at('2026-03-02T13:29:59.999Z'))).toBe(true);
    expect(canEnter(meeting, at('2026-03-02T13:30:00.000Z'))).toBe(false);
    expect(enterFrom(meeting)).toBe('2026-03-02T11:45:00.000Z');
  });

  it('never opens a cancelled meeting', () => {
    expect(canEnter({ ...meeting, status: 'cancelled' }, at('2026-03-02T12:10:00.000Z'))).toBe(false);
  });
});
