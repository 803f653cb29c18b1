import type { RoomShape } from '@care/media';
import { mediaModeAllows, type CurrentUser, type MediaMode, type PeerView, type ProducerSource, type SendingState, type SessionKind } from '@care/shared';

/** One person's place in a live room on this node, for one connection. */
export interface LivePeer {
  readonly peerId: string;
  readonly connectionId: string;
  readonly roomId: string;
  readonly sessionId: string;
  readonly user: Pick<CurrentUser, 'id' | 'role'>;
  /** The name the others see: the person's own, or their pseudonym in a circle. */
  readonly nameInRoom: string;
  readonly host: boolean;
  /** 1:1: the other person's account id (to them, a host in this session is not "busy elsewhere"). */
  readonly otherId?: string;
  /** Members of a pseudonymous circle are shown without their account id. */
  readonly anonymous: boolean;
  /** The person's own microphone and camera switches (a host may switch them off). */
  sending: SendingState;
  mode: MediaMode;
  /**
   * Let into the room. Until then the peer is only prepared in the lobby
   * (`room:prepare`): its transports and producers exist, held at the SFU,
   * and no one in the room knows of it.
   */
  admitted: boolean;
}

/** Why a peer left its room, as the others are told. */
export type Departure = 'left' | 'disconnected' | 'removed';

/** The peer as the others in the room see it: no account id behind a pseudonym. */
export function peerView(peer: LivePeer): PeerView {
  return {
    peerId: peer.peerId,
    ...(peer.anonymous ? {} : { userId: peer.user.id }),
    displayName: peer.nameInRoom,
    role: peer.user.role,
    host: peer.host,
    sending: peer.sending,
  };
}

/** What the SFU forwards of a peer's media: what its mode allows and the person has switched on. */
export function forwardedMedia(peer: Pick<LivePeer, 'mode' | 'sending'>): SendingState {
  const allowed = mediaModeAllows(peer.mode);
  return { audio: allowed.audio && peer.sending.audio, video: allowed.video && peer.sending.video };
}

/**
 * The same by source: the microphone and camera follow the person's switches
 * too; a screen share follows the mode only (sharing is its own switch, and a
 * camera switched off does not hide the worksheet being gone through).
 */
export function forwardedSources(peer: Pick<LivePeer, 'mode' | 'sending'>): Record<ProducerSource, boolean> {
  const forwarded = forwardedMedia(peer);
  return { microphone: forwarded.audio, camera: forwarded.video, screen: mediaModeAllows(peer.mode).video };
}

/** A 1:1 session's audio carries no level and follows no speech; a circle's picks its speaker (media/src/room-shape.ts). */
export function roomShape(kind: SessionKind): RoomShape {
  switch (kind) {
    case 'one-to-one':
      return 'pair';
    case 'circle':
      return 'group';
    default: {
      const unknown: never = kind;
      throw new Error(`unknown session kind ${String(unknown)}`);
    }
  }
}
