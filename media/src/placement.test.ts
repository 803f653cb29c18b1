import { describe, expect, it } from 'vitest';
import { placeParticipant } from './placement.js';

const workers = (...consumers: number[]) => consumers.map((c, index) => ({ index, consumers: c }));

describe('placement of a new participant', () => {
  it('stays on the current worker below the threshold', () => {
    expect(placeParticipant({ index: 0, consumers: 499 }, workers(499, 0, 0), 500)).toBe(0);
  });

  it('goes to the worker with the fewest consumers once the current one is at the threshold', () => {
    expect(placeParticipant({ index: 0, consumers: 500 }, workers(500, 300, 120), 500)).toBe(2);
    expect(placeParticipant({ index: 1, consumers: 700 }, workers(10, 700, 20), 500)).toBe(0);
  });

  it('stays when no other worker is lighter (a move would only add pipes)', () => {
    expect(placeParticipant({ index: 0, consumers: 600 }, workers(600, 600, 900), 500)).toBe(0);
    expect(placeParticipant({ index: 0, consumers: 600 }, workers(600), 500)).toBe(0);
  });
});
