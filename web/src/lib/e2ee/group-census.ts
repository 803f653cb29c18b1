import type { GroupSeat } from './commit-policy.js';

/**
 * The group beside the room: how many hold the key of the current epoch, how
 * many people are on screen, who holds it without being on screen (never
 * benign: a hidden listener), and who is on screen without it yet (a
 * newcomer being added).
 */
export interface GroupCensus {
  readonly keyHolders: number;
  readonly people: number;
  /** Participant ids in the group that are no person in the room. */
  readonly unknown: readonly string[];
  /** People in the room not (yet) in the group. */
  readonly awaitingKey: number;
}

export function groupCensus(seats: readonly GroupSeat[], selfPeerId: string | undefined, peerIds: readonly string[]): GroupCensus {
  const people = new Set(peerIds);
  if (selfPeerId !== undefined) people.add(selfPeerId);
  const holders = new Set(seats.map((seat) => seat.participantId));
  return {
    keyHolders: seats.length,
    people: people.size,
    // A participant with two leaves counts once as a person and once as an unknown member.
    unknown: seats.filter((seat, index) => !people.has(seat.participantId) || seats.findIndex((s) => s.participantId === seat.participantId) !== index).map((seat) => seat.participantId),
    awaitingKey: [...people].filter((peerId) => !holders.has(peerId)).length,
  };
}
