import { z } from 'zod';
import { MediaId, ObjectIdString, Role } from '../domain.js';
import { MlsJoinInfo } from './mls.js';
import {
  DtlsParameters,
  IceCandidate,
  IceParameters,
  MediaKind,
  RtpCapabilities,
  RtpParameters,
} from './media-parameters.js';

/** What one participant is, as the others in the room see them. */
export const PeerView = z.object({
  peerId: z.string(),
  userId: z.string(),
  displayName: z.string(),
  role: Role,
});
export type PeerView = z.infer<typeof PeerView>;

export const RoomJoin = z.strictObject({ appointmentId: ObjectIdString });
export type RoomJoin = z.infer<typeof RoomJoin>;

export const RoomJoined = z.object({
  roomId: z.string(),
  peerId: z.string(),
  routerRtpCapabilities: RtpCapabilities,
  peers: z.array(PeerView),
  mls: MlsJoinInfo,
});
export type RoomJoined = z.infer<typeof RoomJoined>;

export const TransportDirection = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof TransportDirection>;

export const CreateTransport = z.strictObject({ direction: TransportDirection });
export type CreateTransport = z.infer<typeof CreateTransport>;

export const TransportOptions = z.object({
  id: z.string(),
  iceParameters: IceParameters,
  iceCandidates: z.array(IceCandidate),
  dtlsParameters: DtlsParameters,
});
export type TransportOptions = z.infer<typeof TransportOptions>;

export const ConnectTransport = z.strictObject({ transportId: MediaId, dtlsParameters: DtlsParameters });
export type ConnectTransport = z.infer<typeof ConnectTransport>;

export const Produce = z.strictObject({
  transportId: MediaId,
  kind: MediaKind,
  rtpParameters: RtpParameters,
});
export type Produce = z.infer<typeof Produce>;

export const Produced = z.object({ producerId: z.string() });
export type Produced = z.infer<typeof Produced>;

/** Sent once the client's receive transport exists and its device is loaded. */
export const RoomReady = z.strictObject({ rtpCapabilities: RtpCapabilities });
export type RoomReady = z.infer<typeof RoomReady>;

export const ConsumerRef = z.strictObject({ consumerId: MediaId });
export type ConsumerRef = z.infer<typeof ConsumerRef>;

export const ProducerRef = z.strictObject({ producerId: MediaId });
export type ProducerRef = z.infer<typeof ProducerRef>;

/** A consumer the server created (paused) for this client. */
export const NewConsumer = z.object({
  consumerId: z.string(),
  producerId: z.string(),
  peerId: z.string(),
  kind: MediaKind,
  rtpParameters: RtpParameters,
});
export type NewConsumer = z.infer<typeof NewConsumer>;

/** Low-bandwidth modes: what this participant receives (and, on their side, sends). */
export const MediaMode = z.enum(['full', 'audio-only', 'chat-only']);
export type MediaMode = z.infer<typeof MediaMode>;

export const SetMediaMode = z.strictObject({ mode: MediaMode });
export type SetMediaMode = z.infer<typeof SetMediaMode>;

/** What a receiver can use of a video: the layer its tile needs, and whether it is on screen at all. */
export const ConsumerView = z.strictObject({
  consumerId: MediaId,
  spatialLayer: z.number().int().min(0).max(2),
  visible: z.boolean(),
});
export type ConsumerView = z.infer<typeof ConsumerView>;

/** After a network change: new ICE credentials for one of this peer's transports. */
export const RestartIce = z.strictObject({ transportId: MediaId });
export type RestartIce = z.infer<typeof RestartIce>;

export const ConsumerClosed = z.object({ consumerId: z.string() });
export type ConsumerClosed = z.infer<typeof ConsumerClosed>;

export const PeerLeft = z.object({ peerId: z.string(), reason: z.enum(['left', 'disconnected', 'removed']) });
export type PeerLeft = z.infer<typeof PeerLeft>;

export const RoomClosed = z.object({ reason: z.enum(['media_failure', 'ended', 'replaced']) });
export type RoomClosed = z.infer<typeof RoomClosed>;
