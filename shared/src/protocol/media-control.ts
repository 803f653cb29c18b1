import { z } from 'zod';
import { MediaId } from '../domain.js';
import { DtlsParameters, IceParameters, MediaKind, RtpCapabilities, RtpParameters } from './media-parameters.js';
import { ProducerSource, TransportDirection, TransportOptions } from './room.js';

/*
 * The control channel from a signal node to a media node (issue 14, roles):
 * one WebSocket per signal node, JSON text frames. The media node opens with a
 * fresh challenge; the signal node answers with an HMAC of it under the shared
 * secret; only then are requests served. Every frame is checked here on
 * arrival, on both ends: a frame that is not one of these closes the socket.
 */

/** The most one control frame may hold (a produce with full RTP parameters is a few kB). */
export const MEDIA_CONTROL_MAX_FRAME_BYTES = 256 * 1024;

const RoomId = z.string().min(1).max(128);
const PeerId = z.string().min(1).max(128);
const RoomShapeName = z.enum(['pair', 'group']);

export const ControlChallenge = z.strictObject({ type: z.literal('challenge'), nonce: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
export type ControlChallenge = z.infer<typeof ControlChallenge>;

/** The answer: HMAC-SHA256(secret, "care-media-control\n" + nonce), base64url; `signalId` is the signal node's opaque id. */
export const ControlHello = z.strictObject({ type: z.literal('hello'), signalId: z.string().uuid(), proof: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
export type ControlHello = z.infer<typeof ControlHello>;

export const ControlWelcome = z.strictObject({ type: z.literal('welcome'), nodeId: z.string().uuid() });
export type ControlWelcome = z.infer<typeof ControlWelcome>;

const inRoom = { roomId: RoomId, peerId: PeerId };

/** A media node's id (the `nodeId` of its welcome). */
const NodeId = z.string().uuid();
/**
 * A host-pipe message (media/src/host-pipe-messages.ts) as the channel
 * carries it: a small flat-ish object whose fields the receiving media node
 * parses with the pipe schemas before it acts on it. The channel bounds it;
 * the pipe module decides what it says.
 */
const PipeMessage = z.record(z.string().max(64), z.unknown()).refine((record) => Object.keys(record).length <= 16, 'too many fields');
/** What a media node asks of a far media node, through the signal node (a HostPipeReceiver's FarHost calls). */
export const PipeCall = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('open'), request: PipeMessage }),
  z.strictObject({ op: z.literal('connect'), answer: PipeMessage }),
  z.strictObject({ op: z.literal('close'), message: PipeMessage }),
]);
export type PipeCall = z.infer<typeof PipeCall>;
const PipeCallId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** Each operation of the seam (media/src/room-media.ts), with its arguments. */
export const ControlOperation = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('ping') }),
  z.strictObject({ op: z.literal('open'), roomId: RoomId, shape: RoomShapeName }),
  z.strictObject({ op: z.literal('release'), roomId: RoomId }),
  z.strictObject({ op: z.literal('addPeer'), ...inRoom, held: z.boolean() }),
  z.strictObject({ op: z.literal('removePeer'), ...inRoom }),
  z.strictObject({ op: z.literal('admit'), ...inRoom }),
  z.strictObject({ op: z.literal('createTransport'), ...inRoom, direction: TransportDirection }),
  z.strictObject({ op: z.literal('connectTransport'), ...inRoom, transportId: MediaId, dtlsParameters: DtlsParameters }),
  z.strictObject({
    op: z.literal('produce'),
    ...inRoom,
    transportId: MediaId,
    kind: MediaKind,
    rtpParameters: RtpParameters,
    source: ProducerSource.optional(),
    paused: z.boolean(),
  }),
  z.strictObject({ op: z.literal('closeProducer'), ...inRoom, source: ProducerSource }),
  z.strictObject({ op: z.literal('setReady'), ...inRoom, rtpCapabilities: RtpCapabilities }),
  z.strictObject({ op: z.literal('setSending'), ...inRoom, send: z.strictObject({ microphone: z.boolean(), camera: z.boolean(), screen: z.boolean() }) }),
  z.strictObject({ op: z.literal('setReceive'), ...inRoom, receive: z.strictObject({ audio: z.boolean(), video: z.boolean() }) }),
  /** Absent `focus`: every video; null: none yet. */
  z.strictObject({ op: z.literal('setVideoFocus'), ...inRoom, focus: PeerId.nullable().optional() }),
  z.strictObject({ op: z.literal('setConsumerView'), ...inRoom, consumerId: MediaId, spatialLayer: z.number().int().min(0).max(2), visible: z.boolean() }),
  z.strictObject({ op: z.literal('consumerReady'), ...inRoom, consumerId: MediaId }),
  z.strictObject({ op: z.literal('closeConsumer'), ...inRoom, consumerId: MediaId }),
  z.strictObject({ op: z.literal('requestKeyFrames'), ...inRoom }),
  z.strictObject({ op: z.literal('restartIce'), ...inRoom, transportId: MediaId }),
  /*
   * A room spanning media nodes (issue 14): the signal node tells each node
   * of the room which producers live on the others, and carries the
   * host-pipe messages between them.
   */
  /** To node B: a producer of `peerId` on node `farNodeId` may be consumed here (piped on first need). */
  z.strictObject({ op: z.literal('farProducer'), ...inRoom, producerId: MediaId, kind: MediaKind, source: ProducerSource, farNodeId: NodeId }),
  /** To node B: that far producer is gone (or its peer left): nothing new consumes it. */
  z.strictObject({ op: z.literal('farProducerClosed'), roomId: RoomId, producerId: MediaId }),
  /** To node B: node `farNodeId` is gone: every pipe from and to it closes, its producers with them. */
  z.strictObject({ op: z.literal('farNodeLost'), farNodeId: NodeId }),
  /** To node A: node `farNodeId` asks for a pipe end for a producer of this room (a PipeRequest); the answer is the PipeOffer. */
  z.strictObject({ op: z.literal('pipeOpen'), roomId: RoomId, farNodeId: NodeId, request: PipeMessage }),
  /** To node A: the far node's end (a PipeAnswer). */
  z.strictObject({ op: z.literal('pipeConnect'), farNodeId: NodeId, answer: PipeMessage }),
  /** To node A: the far node no longer needs the pipe (a PipeClose). */
  z.strictObject({ op: z.literal('pipeClose'), farNodeId: NodeId, message: PipeMessage }),
  /** To node B: the far node's producer paused, resumed or closed, or its end died (a PipeMirror). */
  z.strictObject({ op: z.literal('pipeMirror'), farNodeId: NodeId, message: PipeMessage }),
  /**
   * Tests only (a media node with MEDIA_TEST_PLAIN_INGRESS, refused in
   * production): a plain RTP send transport for a headless test member that
   * has no WebRTC stack; answered with its id and where to send.
   */
  z.strictObject({ op: z.literal('plainSend'), ...inRoom }),
  /** To node B: the answer to one of its `pipeCall` events. */
  z.strictObject({ op: z.literal('pipeReply'), callId: PipeCallId, ok: z.boolean(), result: z.unknown().optional(), error: z.strictObject({ code: z.string().max(32), message: z.string().max(500) }).optional() }),
]);
export type ControlOperation = z.infer<typeof ControlOperation>;
export type ControlOperationName = ControlOperation['op'];

export const ControlRequest = z.strictObject({ type: z.literal('request'), id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), call: ControlOperation });
export type ControlRequest = z.infer<typeof ControlRequest>;

/** What each operation answers (the rest answer `{}`). */
export const ControlOpened = z.strictObject({ instance: z.number().int().min(1), rtpCapabilities: RtpCapabilities });
export const ControlReleased = z.strictObject({ closed: z.boolean() });
export const ControlProduced = z.strictObject({ producerId: MediaId, source: ProducerSource });
export const ControlClosedProducer = z.strictObject({ closed: z.boolean() });
export const ControlTransport = TransportOptions.omit({ iceServers: true });
export const ControlIce = IceParameters;
export const ControlEmpty = z.strictObject({});
export const ControlPlainSend = z.strictObject({ transportId: MediaId, ip: z.union([z.ipv4(), z.ipv6()]), port: z.number().int().min(1).max(65_535) });

/** The media error codes a failed request carries (media/src/media-error.ts). */
export const ControlErrorCode = z.enum(['not_found', 'invalid_state', 'cannot_consume', 'port_in_use', 'unavailable', 'limit_reached', 'pipe_refused']);

export const ControlReply = z.discriminatedUnion('ok', [
  z.strictObject({ type: z.literal('reply'), id: z.number().int().min(1), ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ type: z.literal('reply'), id: z.number().int().min(1), ok: z.literal(false), error: z.strictObject({ code: ControlErrorCode, message: z.string().max(500) }) }),
]);
export type ControlReply = z.infer<typeof ControlReply>;

const inInstance = { roomId: RoomId, instance: z.number().int().min(1) };

/** What a media node pushes: a room's events, to the signal node(s) they concern. */
export const ControlEvent = z.discriminatedUnion('event', [
  z.strictObject({
    type: z.literal('event'),
    event: z.literal('consumer'),
    ...inInstance,
    peerId: PeerId,
    producerPeerId: PeerId,
    source: ProducerSource,
    consumerId: MediaId,
    producerId: MediaId,
    kind: MediaKind,
    rtpParameters: RtpParameters,
  }),
  z.strictObject({ type: z.literal('event'), event: z.literal('consumerClosed'), ...inInstance, peerId: PeerId, consumerId: MediaId }),
  z.strictObject({ type: z.literal('event'), event: z.literal('activeSpeaker'), ...inInstance, peerId: PeerId }),
  z.strictObject({ type: z.literal('event'), event: z.literal('closed'), ...inInstance, reason: z.enum(['media_failure', 'ended']) }),
  /** The node was told to stop and says 'draining' in the registry now: its rooms may be moved off at once. */
  z.strictObject({ type: z.literal('event'), event: z.literal('draining') }),
  /** Node B asks the far node something about a pipe (answered with the `pipeReply` operation). */
  z.strictObject({ type: z.literal('event'), event: z.literal('pipeCall'), roomId: RoomId, callId: PipeCallId, farNodeId: NodeId, call: PipeCall }),
  /** Node A's producer behind a pipe paused, resumed or closed, or A found the pipe dead: for node `farNodeId`. */
  z.strictObject({ type: z.literal('event'), event: z.literal('pipeMirror'), farNodeId: NodeId, message: PipeMessage }),
]);
export type ControlEvent = z.infer<typeof ControlEvent>;

/** Every frame a signal node accepts from a media node. */
export const MediaToSignalFrame = z.union([ControlChallenge, ControlWelcome, ControlReply, ControlEvent]);
export type MediaToSignalFrame = z.infer<typeof MediaToSignalFrame>;
/** Every frame a media node accepts from a signal node. */
export const SignalToMediaFrame = z.union([ControlHello, ControlRequest]);
export type SignalToMediaFrame = z.infer<typeof SignalToMediaFrame>;

/** The message the HMAC of the hello covers: a label (so the secret signs nothing else by accident) and the nonce. */
export function controlProofMessage(nonce: string): string {
  return `care-media-control\n${nonce}`;
}
