import type { FloorState, ModerationAction, RequestPayload, ResponseData } from '@care/shared';
import type { ServerLink } from '../../socket/socket-client.js';
import type { Announce } from './announce.js';

/** The requests about the floor; each refusal shows as the page's error line. */
type FloorRequest = 'room:raise-hand' | 'room:moderate' | 'room:mute-all' | 'room:lock' | 'room:end';

export interface RoomFloorDeps {
  link: ServerLink;
  /** Our own peer id in this visit of the room. */
  myPeerId: () => string | undefined;
  /** The name a peer has in the room, to announce a raised hand. */
  nameOf: (peerId: string) => string;
  announce: Announce;
  onError: (error: unknown) => void;
}

/**
 * The floor of the room as everyone sees it — raised hands in the order
 * they went up, whether the room is locked to newcomers — and the
 * facilitator's tools: mute, stop video, lower a hand, remove someone (the
 * group re-keys without them), mute all, lock, end for all.
 */
export class RoomFloor {
  locked = $state(false);
  /** Peer ids of the raised hands, first raised first. */
  hands = $state<string[]>([]);

  constructor(private readonly deps: RoomFloorDeps) {}

  handRaised(peerId: string | undefined): boolean {
    return peerId !== undefined && this.hands.includes(peerId);
  }

  /** The floor as the server says it is (on joining, and in answer to our own requests). */
  set(floor: FloorState): void {
    this.locked = floor.locked;
    this.hands = floor.hands;
  }

  /** The floor pushed by the server: each hand newly up is announced. */
  changed(floor: FloorState): void {
    const raisedNow = floor.hands.filter((id) => !this.hands.includes(id));
    this.set(floor);
    for (const peerId of raisedNow) this.deps.announce('circle.handRaisedBy', this.deps.nameOf(peerId));
  }

  async toggleHand(): Promise<void> {
    const floor = await this.#request('room:raise-hand', { raised: !this.handRaised(this.deps.myPeerId()) });
    if (floor) this.set(floor);
  }

  /** Facilitator: mute, stop video, lower a hand, or remove someone (the group re-keys without them). */
  async moderate(peerId: string, action: ModerationAction): Promise<void> {
    await this.#request('room:moderate', { peerId, action });
  }

  async muteAll(): Promise<void> {
    await this.#request('room:mute-all', {});
  }

  async setLocked(locked: boolean): Promise<void> {
    const floor = await this.#request('room:lock', { locked });
    if (floor) this.set(floor);
  }

  /** Host: ends the session for everyone. */
  async endForAll(): Promise<void> {
    await this.#request('room:end', {});
  }

  async #request<E extends FloorRequest>(event: E, payload: RequestPayload<E>): Promise<ResponseData<E> | undefined> {
    try {
      return await this.deps.link.request(event, payload);
    } catch (error) {
      this.deps.onError(error);
      return undefined;
    }
  }
}
