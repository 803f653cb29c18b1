import { describe, expect, it } from 'vitest';
import { arrangeTiles, NARROW_MAX_TILES, rememberSpeaker, type TileRef } from './circle-tiles.js';

const others = [
  { peerId: 'host', host: true },
  { peerId: 'a', host: false },
  { peerId: 'b', host: false },
  { peerId: 'c', host: false },
  { peerId: 'd', host: false },
  { peerId: 'e', host: false },
];
const names = (tiles: TileRef[]) => tiles.map((tile) => (tile.self ? 'me' : tile.peerId));

describe('a circle on a phone', () => {
  it('shows four tiles: the facilitator and the first to come, and one’s own; the rest are listed', () => {
    const { tiles, listed } = arrangeTiles({ selfId: 'me', others, activeSpeaker: undefined, recentSpeakers: [], maxTiles: NARROW_MAX_TILES });
    expect(names(tiles)).toEqual(['host', 'a', 'b', 'me']);
    expect(listed).toEqual(['c', 'd', 'e']);
  });

  it('puts the active speaker first, from the list if need be', () => {
    const { tiles, listed } = arrangeTiles({ selfId: 'me', others, activeSpeaker: 'e', recentSpeakers: ['e'], maxTiles: 4 });
    expect(names(tiles)).toEqual(['e', 'host', 'a', 'me']);
    expect(listed).toEqual(['b', 'c', 'd']);
  });

  it('keeps recent speakers on screen: a new speaker replaces whoever spoke least recently', () => {
    let recent: string[] = [];
    for (const speaker of ['c', 'd', 'e']) recent = rememberSpeaker(recent, speaker);
    expect(recent).toEqual(['e', 'd', 'c']);
    // c speaks again: the same three stay, c first.
    recent = rememberSpeaker(recent, 'c');
    const again = arrangeTiles({ selfId: 'me', others, activeSpeaker: 'c', recentSpeakers: recent, maxTiles: 4 });
    expect(names(again.tiles)).toEqual(['c', 'e', 'd', 'me']);
    // The facilitator speaks: d, who spoke longest ago, goes to the list.
    recent = rememberSpeaker(recent, 'host');
    const next = arrangeTiles({ selfId: 'me', others, activeSpeaker: 'host', recentSpeakers: recent, maxTiles: 4 });
    expect(names(next.tiles)).toEqual(['host', 'c', 'e', 'me']);
    expect(next.listed).toEqual(['d', 'a', 'b']);
  });

  it('puts one’s own tile first while one speaks', () => {
    const { tiles } = arrangeTiles({ selfId: 'me', others, activeSpeaker: 'me', recentSpeakers: ['me'], maxTiles: 4 });
    expect(names(tiles)).toEqual(['me', 'host', 'a', 'b']);
  });

  it('lists nobody when everyone fits', () => {
    const few = others.slice(0, 2);
    const { tiles, listed } = arrangeTiles({ selfId: undefined, others: few, activeSpeaker: 'a', recentSpeakers: [], maxTiles: 4 });
    expect(names(tiles)).toEqual(['a', 'host', 'me']);
    expect(listed).toEqual([]);
  });

  it('remembers each speaker once, the latest first, and not an absence of speech', () => {
    expect(rememberSpeaker(['a', 'b'], undefined)).toEqual(['a', 'b']);
    expect(rememberSpeaker(['a', 'b'], 'a')).toEqual(['a', 'b']);
    expect(rememberSpeaker(['a', 'b', 'c'], 'c')).toEqual(['c', 'a', 'b']);
  });
});
