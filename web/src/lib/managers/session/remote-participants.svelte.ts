import type { PeerView, ServerEventPayload } from '@care/shared';
import type { Announce } from './announce.js';

export interface RemoteParticipant {
  peerId: string;
  displayName: string;
  host: boolean;
  /** Their microphone and camera switches, as the server forwards them. */
  sending: { audio: boolean; video: boolean };
  stream: MediaStream;
  hasVideo: boolean;
}

export interface RemoteParticipantsDeps {
  announce: Announce;
  /** A 1:1 notes that the other person left (until they come back); a circle just shows who is there. */
  oneToOne: () => boolean;
  /** A fresh stream for a newcomer's tracks (by default a `MediaStream`). */
  newStream?: () => MediaStream;
}

/**
 * Everyone else in the room, in the order they came: each with their name,
 * switches and media, and who speaks now. Kept from what the room says
 * (peers joining and leaving, tracks arriving and ending, switches and the
 * active speaker pushed by the server).
 */
export class RemoteParticipants {
  list = $state<RemoteParticipant[]>([]);
  /** The loudest voice now, from the SFU. */
  activeSpeaker = $state<string | undefined>(undefined);
  /** 1:1: the other person was here and left (shown until they come back). */
  otherLeft = $state(false);
  /** The account behind each peer, where it is shown (never for a pseudonym); kept across visits of the room. */
  readonly #accounts = new Map<string, string>();
  readonly #newStream: () => MediaStream;

  constructor(private readonly deps: RemoteParticipantsDeps) {
    this.#newStream = deps.newStream ?? (() => new MediaStream());
  }

  /** 1:1: the other person, once in the room. */
  get first(): RemoteParticipant | undefined {
    return this.list[0];
  }

  find(peerId: string): RemoteParticipant | undefined {
    return this.list.find((p) => p.peerId === peerId);
  }

  accountOf(peerId: string): string | undefined {
    return this.#accounts.get(peerId);
  }

  joined(peer: PeerView): void {
    if (peer.userId) this.#accounts.set(peer.peerId, peer.userId);
    if (this.find(peer.peerId)) return;
    const stream = this.#newStream();
    this.list = [...this.list, { peerId: peer.peerId, displayName: peer.displayName, host: peer.host, sending: peer.sending, stream, hasVideo: false }];
    this.deps.announce('room.otherJoined', peer.displayName);
    this.otherLeft = false;
  }

  left(peerId: string): void {
    const gone = this.find(peerId);
    if (!gone) return;
    this.deps.announce('room.otherLeft', gone.displayName);
    this.list = this.list.filter((p) => p.peerId !== peerId);
    if (this.deps.oneToOne()) this.otherLeft = true;
  }

  trackAdded(peerId: string, track: MediaStreamTrack): void {
    this.#update(peerId, (p) => p.stream.addTrack(track));
  }

  trackEnded(peerId: string, kind: 'audio' | 'video'): void {
    this.#update(peerId, (p) => {
      for (const track of kind === 'video' ? p.stream.getVideoTracks() : p.stream.getAudioTracks()) p.stream.removeTrack(track);
    });
  }

  sendingChanged({ peerId, sending }: ServerEventPayload<'room:peer-sending'>): void {
    this.list = this.list.map((p) => (p.peerId === peerId ? { ...p, sending } : p));
  }

  speakerChanged({ peerId }: ServerEventPayload<'room:active-speaker'>): void {
    this.activeSpeaker = peerId ?? undefined;
  }

  /** Nobody is shown any more (we left, or the room closed for us). */
  clear(): void {
    this.list = [];
  }

  #update(peerId: string, change: (p: RemoteParticipant) => void): void {
    this.list = this.list.map((p) => {
      if (p.peerId !== peerId) return p;
      change(p);
      return { ...p, hasVideo: p.stream.getVideoTracks().length > 0 };
    });
  }
}
