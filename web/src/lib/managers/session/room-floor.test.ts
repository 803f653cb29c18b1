import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/api-error.js';
import { announcements, LinkDouble, type Answers } from './link-double.test-support.js';
import { RoomFloor } from './room-floor.svelte.js';

function floor(answers: Answers = {}) {
  const link = new LinkDouble(answers);
  const { said, announce } = announcements();
  const errors: unknown[] = [];
  const part = new RoomFloor({ link, myPeerId: () => 'me', nameOf: (peerId) => `name of ${peerId}`, announce, onError: (e) => errors.push(e) });
  return { part, link, said, errors };
}

describe('RoomFloor', () => {
  it('announces each hand as it goes up, not the ones already up', () => {
    const { part, said } = floor();
    part.changed({ locked: false, hands: ['p1'] });
    part.changed({ locked: true, hands: ['p1', 'p2'] });
    part.changed({ locked: true, hands: ['p2'] });
    expect(said).toEqual(['circle.handRaisedBy:name of p1', 'circle.handRaisedBy:name of p2']);
    expect(part.hands).toEqual(['p2']);
    expect(part.locked).toBe(true);
    expect(part.handRaised('p2')).toBe(true);
    expect(part.handRaised(undefined)).toBe(false);
  });

  it('raises our hand, then lowers it, taking the floor the server answers', async () => {
    const { part, link, said } = floor({ 'room:raise-hand': ({ raised }) => ({ locked: false, hands: raised ? ['me'] : [] }) });
    await part.toggleHand();
    expect(part.hands).toEqual(['me']);
    await part.toggleHand();
    expect(part.hands).toEqual([]);
    expect(link.sent.map((s) => s.payload)).toEqual([{ raised: true }, { raised: false }]);
    // Our own hand is not announced to us.
    expect(said).toEqual([]);
  });

  it("sends the facilitator's tools as requests", async () => {
    const { part, link } = floor({
      'room:moderate': () => ({}),
      'room:mute-all': () => ({ muted: 3 }),
      'room:lock': ({ locked }) => ({ locked, hands: [] }),
      'room:end': () => ({}),
    });
    await part.moderate('p1', 'remove');
    await part.muteAll();
    await part.setLocked(true);
    await part.endForAll();
    expect(link.sent).toEqual([
      { event: 'room:moderate', payload: { peerId: 'p1', action: 'remove' } },
      { event: 'room:mute-all', payload: {} },
      { event: 'room:lock', payload: { locked: true } },
      { event: 'room:end', payload: {} },
    ]);
    expect(part.locked).toBe(true);
  });

  it('shows a refusal as an error and keeps the floor as it was', async () => {
    const { part, errors } = floor({
      'room:lock': () => {
        throw new ApiError('forbidden', 'Only the facilitator can do this.');
      },
    });
    part.set({ locked: false, hands: ['p1'] });
    await part.setLocked(true);
    expect(part.locked).toBe(false);
    expect(part.hands).toEqual(['p1']);
    expect(errors).toEqual([expect.objectContaining({ code: 'forbidden' })]);
  });
});
