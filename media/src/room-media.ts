import type { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { TransportDirection, TransportOptionsForClient } from './peer.js';
import type { ProducerSource } from './peer-limits.js';
import type { RoomShape } from './room-shape.js';

/**
 * The seam between the live session and a room's media: ids, plain
 * parameters and plain events only, so the media can sit in this process
 * (local-room-media.ts, CARE_ROLE=all) or on a media node reached over its
 * control channel (CARE_ROLE=signal). Nothing here hands out a mediasoup object.
 */

/** A paused consumer the media made for a receiver: what the receiver needs to set it up. */
export interface ConsumerOffer {
  /** The peer that receives. */
  peerId: string;
  /** The peer whose media it is. */
  producerPeerId: string;
  source: ProducerSource;
  consumerId: string;
  producerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
}

export type RoomMediaClosedReason = 'media_failure' | 'ended';

export interface RoomMediaEvents {
  consumer: [ConsumerOffer];
  consumerClosed: [{ peerId: string; consumerId: string }];
  /** The dominant speaker changed (from the clear audio-level header, so it works with E2EE on). */
  activeSpeaker: [{ peerId: string }];
  /**
   * Some peers' media is gone (their media node died) while the room lives on
   * for the others (a room spanning media nodes): those peers rejoin.
   */
  peersLost: [{ peerIds: string[] }];
  /**
   * A peer's media moved to another media node (the one it was on drains, or died):
   * its transports, producers and consumers there are gone, its place in the
   * room is not; its page makes them again on the new node.
   */
  peerMoved: [{ peerId: string }];
  /** The media is gone: its worker or its media node died ('media_failure'), or it was closed. */
  closed: [reason: RoomMediaClosedReason];
}

/** What a producer a peer made is: its id and the source it was counted as. */
export interface ProducerMade {
  producerId: string;
  source: ProducerSource;
}

/** One room's media, driven by peer and object ids. */
export interface RoomMedia extends EventEmitter<RoomMediaEvents> {
  readonly id: string;
  readonly shape: RoomShape;
  readonly closed: boolean;
  /** What the room offers its clients to negotiate. */
  readonly rtpCapabilities: types.RtpCapabilities;
  addPeer(peerId: string, options: { held: boolean }): Promise<void>;
  /** Takes the peer out (its transports close). Never throws: a peer already gone is no fault. */
  removePeer(peerId: string): void;
  admit(peerId: string): Promise<void>;
  createTransport(peerId: string, direction: TransportDirection): Promise<TransportOptionsForClient>;
  connectTransport(peerId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void>;
  /** A producer, paused at the SFU from the start when `paused` (nothing of it forwarded until resumed by `setSending`). */
  produce(
    peerId: string,
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    source: ProducerSource | undefined,
    paused: boolean,
  ): Promise<ProducerMade>;
  /** Closes the peer's producer of this source, if it has one (false: none, or the peer is gone). */
  closeProducer(peerId: string, source: ProducerSource): Promise<boolean>;
  setReady(peerId: string, rtpCapabilities: types.RtpCapabilities): Promise<void>;
  setSending(peerId: string, send: Record<ProducerSource, boolean>): Promise<void>;
  setReceive(peerId: string, receive: { audio: boolean; video: boolean }): Promise<void>;
  setVideoFocus(peerId: string, focus: string | null | undefined): Promise<void>;
  setConsumerView(peerId: string, consumerId: string, spatialLayer: number, visible: boolean): Promise<void>;
  consumerReady(peerId: string, consumerId: string): Promise<void>;
  /** Closes a consumer its receiver did not take; nothing if it is gone already. */
  closeConsumer(peerId: string, consumerId: string): Promise<void>;
  requestKeyFrames(peerId: string): Promise<void>;
  restartIce(peerId: string, transportId: string): Promise<types.IceParameters>;
}

/** The rooms whose media this node drives, wherever it runs. */
export interface MediaRooms {
  /** The room's media if it is open now. */
  get(roomId: string): RoomMedia | undefined;
  /** The room's media, created with `shape` if it is not open yet. */
  getOrCreate(roomId: string, shape: RoomShape): Promise<RoomMedia>;
  /** Closes the room's media once nobody is left in it. */
  releaseIfEmpty(roomId: string): void;
  /** Rooms open now (a metric). */
  readonly size: number;
  /** Pipes between media nodes for these rooms now, and found dead since start (metrics; none when the media runs here). */
  readonly pipeStats?: { open: number; died: number };
  closeAll(): void;
}
