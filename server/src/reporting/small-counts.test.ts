import { describe, expect, it } from 'vitest';
import { suppress, suppressTotal } from './small-counts.js';

describe('small-count suppression', () => {
  it('shows 1–4 as "<5", and 0 and 5 or more exactly', () => {
    expect([0, 1, 2, 3, 4, 5, 17].map(suppress)).toEqual([0, '<5', '<5', '<5', '<5', 5, 17]);
  });

  it('withholds a total that would give a suppressed cell back', () => {
    expect(suppressTotal([3, 10])).toBeNull();
    expect(suppressTotal([5, 10, 0])).toBe(15);
    expect(suppressTotal([0, 0])).toBe(0);
  });
});
