import { sharesScreenByDefault } from '@care/shared';
import type { Notifier } from '../notifier.js';
import type { LivePeer } from './live-peer.js';
import type { LiveRooms } from './live-rooms.js';

/**
 * Who may share a screen in each live room on this node. By default both
 * people of a 1:1 and, in a circle, the facilitator only
 * (`sharesScreenByDefault`); the host allows a member or withdraws it. A
 * decision belongs to the person (their account), so a dropped connection
 * comes back to it, as a raised hand does; leaving on purpose, being removed
 * or the room emptying ends it. Kept in this node's memory with the room's
 * media, which lives on one node too.
 */
export class ScreenShares {
  /** The host's decisions, by room and account: allowed (true) or withdrawn (false). */
  readonly #decided = new Map<string, Map<string, boolean>>();

  constructor(
    private readonly rooms: Pick<LiveRooms, 'peersIn'>,
    private readonly notifier: Notifier,
  ) {}

  mayShare(peer: LivePeer, circle: boolean): boolean {
    return this.#decided.get(peer.roomId)?.get(peer.user.id) ?? sharesScreenByDefault({ host: peer.host, circle });
  }

  /** The host's decision about one person; everyone in the room is told. */
  decide(peer: LivePeer, allowed: boolean): void {
    const room = this.#decided.get(peer.roomId) ?? new Map<string, boolean>();
    room.set(peer.user.id, allowed);
    this.#decided.set(peer.roomId, room);
    for (const other of this.rooms.peersIn(peer.roomId)) {
      this.notifier.toConnection(other.connectionId, 'room:share-permission', { peerId: peer.peerId, allowed });
    }
  }

  /**
   * Someone entered: they learn what the host decided about those present
   * (everyone else follows the default rule), and if a decision about them
   * was kept from before their connection dropped, the others learn it again
   * under their new peer id.
   */
  peerJoined(peer: LivePeer): void {
    const room = this.#decided.get(peer.roomId);
    if (!room) return;
    const own = room.get(peer.user.id);
    for (const other of this.rooms.peersIn(peer.roomId)) {
      const allowed = room.get(other.user.id);
      if (allowed !== undefined) this.notifier.toConnection(peer.connectionId, 'room:share-permission', { peerId: other.peerId, allowed });
      if (other !== peer && own !== undefined) this.notifier.toConnection(other.connectionId, 'room:share-permission', { peerId: peer.peerId, allowed: own });
    }
  }

  /** Leaving on purpose (or being removed) ends what the host decided about this person; a dropped connection keeps it. */
  peerLeft(peer: LivePeer, keepsPlace: boolean): void {
    if (!keepsPlace) this.#decided.get(peer.roomId)?.delete(peer.user.id);
  }

  roomEmptied(roomId: string): void {
    this.#decided.delete(roomId);
  }
}
