import { describe, expect, it } from 'vitest';
import { groupCensus } from './group-census.js';

const seat = (participantId: string, leafIndex: number) => ({ participantId, leafIndex });

describe('the group beside the room', () => {
  it('matches when everyone on screen holds the key', () => {
    expect(groupCensus([seat('me', 0), seat('a', 1), seat('b', 2)], 'me', ['a', 'b'])).toEqual({ keyHolders: 3, people: 3, unknown: [], awaitingKey: 0 });
  });

  it('names a key holder who is no person on screen as unknown', () => {
    expect(groupCensus([seat('me', 0), seat('a', 1), seat('ghost', 2)], 'me', ['a']).unknown).toEqual(['ghost']);
  });

  it('counts a second leaf of one participant as an unknown member', () => {
    const census = groupCensus([seat('me', 0), seat('a', 1), seat('a', 2)], 'me', ['a']);
    expect(census.keyHolders).toBe(3);
    expect(census.unknown).toEqual(['a']);
  });

  it('tells a newcomer still waiting for the key apart from a hidden listener', () => {
    expect(groupCensus([seat('me', 0)], 'me', ['new'])).toEqual({ keyHolders: 1, people: 2, unknown: [], awaitingKey: 1 });
  });
});
