/**
 * Which people of a circle get a video tile on a narrow screen, and who is
 * listed instead. A phone shows at most four tiles: one's own, and of the
 * others first the active speaker, then whoever spoke most recently, then the
 * facilitator, then the order people came in — so the tiles follow the
 * conversation without being reshuffled at every word. The active speaker's
 * tile comes first; one's own comes last unless one is speaking.
 */

/** At most this many tiles on a narrow screen (one's own included). */
export const NARROW_MAX_TILES = 4;

/** How many past speakers are remembered (more than ever fit on a screen). */
const REMEMBERED_SPEAKERS = 24;

export type TileRef = { self: true } | { self: false; peerId: string };

export interface TileArrangement {
  tiles: TileRef[];
  /** The others without a tile, in the order they rank. */
  listed: string[];
}

export interface TileInput {
  selfId: string | undefined;
  /** Everyone else in the room, in the order they came. */
  others: ReadonlyArray<{ peerId: string; host: boolean }>;
  activeSpeaker: string | undefined;
  /** Past speakers, most recent first (see `rememberSpeaker`). */
  recentSpeakers: readonly string[];
  maxTiles: number;
}

/** The speakers list after `speaker` spoke: them first, each person once. */
export function rememberSpeaker(recent: readonly string[], speaker: string | undefined): string[] {
  if (speaker === undefined || recent[0] === speaker) return [...recent];
  return [speaker, ...recent.filter((id) => id !== speaker)].slice(0, REMEMBERED_SPEAKERS);
}

export function arrangeTiles({ selfId, others, activeSpeaker, recentSpeakers, maxTiles }: TileInput): TileArrangement {
  const recency = (peerId: string) => {
    const index = recentSpeakers.indexOf(peerId);
    return index === -1 ? Number.POSITIVE_INFINITY : index;
  };
  const ranked = others
    .map((person, arrival) => ({ ...person, arrival }))
    .sort(
      (a, b) =>
        Number(b.peerId === activeSpeaker) - Number(a.peerId === activeSpeaker) ||
        recency(a.peerId) - recency(b.peerId) ||
        Number(b.host) - Number(a.host) ||
        a.arrival - b.arrival,
    )
    .map((person) => person.peerId);
  const shown = ranked.slice(0, Math.max(0, maxTiles - 1));
  const tiles: TileRef[] = shown.map((peerId) => ({ self: false, peerId }));
  const selfSpeaking = selfId !== undefined && selfId === activeSpeaker;
  if (selfSpeaking) tiles.unshift({ self: true });
  else tiles.push({ self: true });
  return { tiles, listed: ranked.slice(shown.length) };
}
