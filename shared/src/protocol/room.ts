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

/** Whether a participant's microphone and camera are on (their own switch, or the facilitator's mute). */
export const SendingState = z.strictObject({ audio: z.boolean(), video: z.boolean() });
export type SendingState = z.infer<typeof SendingState>;

/**
 * What one participant is, as the others in the room see them. In a
 * pseudonymous circle the display name is the seat's pseudonym and the user id
 * is left out, so members cannot be linked to accounts.
 */
export const PeerView = z.object({
  peerId: z.string(),
  userId: z.string().optional(),
  displayName: z.string(),
  role: Role,
  /** The counselor of a 1:1, or the facilitator of a circle. */
  host: z.boolean(),
  sending: SendingState,
});
export type PeerView = z.infer<typeof PeerView>;

export const RoomJoin = z.strictObject({ sessionId: ObjectIdString, sending: SendingState.optional() });
export type RoomJoin = z.input<typeof RoomJoin>;

/**
 * In the lobby: a waiting participant's page gets ready to be let in. It is
 * given a peer id and the router's capabilities, and may create and connect
 * its two transports, send (held at the SFU) and publish one KeyPackage (held
 * by the server), and nothing more: no consumer, no one's presence, no MLS
 * message reaches it, and nothing of it reaches the room, until the host
 * admits it (then `room:entered`, or its own `room:join`).
 */
export const RoomPrepare = RoomJoin;
export type RoomPrepare = z.input<typeof RoomPrepare>;

export const RoomPrepared = z.object({
  roomId: z.string(),
  peerId: z.string(),
  routerRtpCapabilities: RtpCapabilities,
});
export type RoomPrepared = z.infer<typeof RoomPrepared>;

/** The room's shared state: locked to newcomers, and the raised hands in the order they went up. */
export const FloorState = z.object({ locked: z.boolean(), hands: z.array(z.string()) });
export type FloorState = z.infer<typeof FloorState>;

export const RoomJoined = z.object({
  roomId: z.string(),
  peerId: z.string(),
  routerRtpCapabilities: RtpCapabilities,
  peers: z.array(PeerView),
  floor: FloorState,
  mls: MlsJoinInfo,
});
export type RoomJoined = z.infer<typeof RoomJoined>;

export const TransportDirection = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof TransportDirection>;

export const CreateTransport = z.strictObject({ direction: TransportDirection });
export type CreateTransport = z.infer<typeof CreateTransport>;

/**
 * A TURN server the browser may relay through (issue 14), with a
 * time-limited credential the server issued (coturn's REST-API scheme:
 * `username` is `expiry:opaque id`, `credential` an HMAC of it).
 */
export const IceServer = z.object({
  urls: z.array(z.string().regex(/^turns?:/, 'must be a turn: or turns: URL')).min(1).max(8),
  username: z.string().max(200),
  credential: z.string().max(200),
});
export type IceServer = z.infer<typeof IceServer>;

export const TransportOptions = z.object({
  id: z.string(),
  iceParameters: IceParameters,
  iceCandidates: z.array(IceCandidate),
  dtlsParameters: DtlsParameters,
  /** TURN servers for networks that block direct media (absent when the deployment has none). */
  iceServers: z.array(IceServer).max(4).optional(),
});
export type TransportOptions = z.infer<typeof TransportOptions>;

export const ConnectTransport = z.strictObject({ transportId: MediaId, dtlsParameters: DtlsParameters });
export type ConnectTransport = z.infer<typeof ConnectTransport>;

/**
 * What a producer carries: the microphone (audio), the camera or a shared
 * screen or window (video). Each peer sends at most one of each.
 */
export const ProducerSource = z.enum(['microphone', 'camera', 'screen']);
export type ProducerSource = z.infer<typeof ProducerSource>;

export const Produce = z.strictObject({
  transportId: MediaId,
  kind: MediaKind,
  rtpParameters: RtpParameters,
  /** Absent: the kind's own source (the microphone or the camera), as clients sent before screen sharing. */
  source: ProducerSource.optional(),
});
export type Produce = z.infer<typeof Produce>;

export const Produced = z.object({ producerId: z.string() });
export type Produced = z.infer<typeof Produced>;

/** Sent once the client's receive transport exists and its device is loaded. */
export const RoomReady = z.strictObject({ rtpCapabilities: RtpCapabilities });
export type RoomReady = z.infer<typeof RoomReady>;

export const ProducerRef = z.strictObject({ producerId: MediaId });
export type ProducerRef = z.infer<typeof ProducerRef>;

/**
 * The server asks the client to set up a consumer it created (paused); the
 * client's answer (an empty ack, or its error) is what starts it: one round
 * trip per consumer, as mediasoup-demo does.
 */
export const NewConsumer = z.object({
  consumerId: z.string(),
  producerId: z.string(),
  peerId: z.string(),
  kind: MediaKind,
  /** The sender's camera, microphone or shared screen: a screen is shown large, the camera small beside it. */
  source: ProducerSource,
  rtpParameters: RtpParameters,
});
export type NewConsumer = z.infer<typeof NewConsumer>;

/**
 * Low-bandwidth modes: what this participant receives (and, on their side,
 * sends). 'speaker-only' ("receive less") keeps sending but receives only the
 * active speaker's video.
 */
export const MediaMode = z.enum(['full', 'speaker-only', 'audio-only', 'chat-only']);
export type MediaMode = z.infer<typeof MediaMode>;

/**
 * The kinds of media a mode lets through, each way: the one rule the SFU
 * (what it forwards and delivers) and the browser (what it sends) both follow.
 * 'speaker-only' lets video through; whose video is the SFU's choice.
 */
export function mediaModeAllows(mode: MediaMode): SendingState {
  return { audio: mode !== 'chat-only', video: mode === 'full' || mode === 'speaker-only' };
}

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

/** Why the server ended one's place in the room: the media restarted, the host ended it, another tab took over, or the facilitator removed them. */
export const RoomClosedReason = z.enum(['media_failure', 'ended', 'replaced', 'removed']);
export type RoomClosedReason = z.infer<typeof RoomClosedReason>;
export const RoomClosed = z.object({ reason: RoomClosedReason });
/**
 * Our media moved to another media node (the one it was on is draining, or died):
 * the transports, producers and consumers there are gone; the room, our
 * peer and the MLS group are the same. The page makes its media again with
 * these capabilities.
 */
export const RoomMediaMoved = z.object({ routerRtpCapabilities: RtpCapabilities });
export type RoomClosed = z.infer<typeof RoomClosed>;

export const PeerSending = z.object({ peerId: z.string(), sending: SendingState });
export type PeerSending = z.infer<typeof PeerSending>;

/** The loudest voice now (from the SFU's active-speaker observer on the clear audio level), or nobody. */
export const ActiveSpeaker = z.object({ peerId: z.string().nullable() });
export type ActiveSpeaker = z.infer<typeof ActiveSpeaker>;

export const RaiseHand = z.strictObject({ raised: z.boolean() });
export type RaiseHand = z.infer<typeof RaiseHand>;

/** What a host may do to one participant. Nobody can switch another's microphone or camera on. */
export const ModerationAction = z.enum(['mute', 'stop-video', 'lower-hand', 'remove']);
export type ModerationAction = z.infer<typeof ModerationAction>;
export const Moderate = z.strictObject({ peerId: z.string().uuid('must be a UUID'), action: ModerationAction });
export type Moderate = z.infer<typeof Moderate>;

export const LockRoom = z.strictObject({ locked: z.boolean() });
export type LockRoom = z.infer<typeof LockRoom>;

/** Told to the participant the host muted or whose video the host stopped. */
export const Moderated = z.object({ action: z.enum(['mute', 'stop-video']) });
export type Moderated = z.infer<typeof Moderated>;

/**
 * Who may share a screen when nobody has said otherwise: in a 1:1 session
 * both people; in a circle only the facilitator (the host), until they allow
 * a member. The server enforces it; browsers show the share button by it.
 */
export function sharesScreenByDefault(peer: { host: boolean; circle: boolean }): boolean {
  return peer.host || !peer.circle;
}

/** The host allows one participant to share their screen, or withdraws it (a share under way is closed at the SFU). */
export const AllowShare = z.strictObject({ peerId: z.string().uuid('must be a UUID'), allowed: z.boolean() });
export type AllowShare = z.infer<typeof AllowShare>;

/** Told to everyone in the room when the host allows or withdraws someone's screen share (and to a newcomer, what was decided). */
export const SharePermission = z.object({ peerId: z.string(), allowed: z.boolean() });
export type SharePermission = z.infer<typeof SharePermission>;
