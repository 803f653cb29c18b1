import { describe, expect, it } from 'vitest';
import { dueOffset } from './reminder-window.js';

const MINUTE = 60_000;
const start = new Date('2026-03-03T02:00:00Z');
const before = (minutes: number) => new Date(start.getTime() - minutes * MINUTE);
const offsets = [1440, 15];

describe('which reminder is due', () => {
  it('none before the first window, then the latest window that has opened', () => {
    expect(dueOffset(start, before(1441), offsets, null)).toBeUndefined();
    expect(dueOffset(start, before(1440), offsets, null)).toBe(1440);
    // Late after downtime, but never a stale day-before once the 15-minute window is open.
    expect(dueOffset(start, before(60), offsets, null)).toBe(1440);
    expect(dueOffset(start, before(15), offsets, null)).toBe(15);
    expect(dueOffset(start, start, offsets, null)).toBeUndefined();
  });

  it('none for a window that opened before the place existed (a booking, a seat)', () => {
    expect(dueOffset(start, before(600), offsets, before(720))).toBeUndefined();
    expect(dueOffset(start, before(10), offsets, before(720))).toBe(15);
    expect(dueOffset(start, before(1000), offsets, before(2000))).toBe(1440);
  });
});
