export { WorkerPool, type PooledWorker } from './worker-pool.js';
export { Room, type ConsumerCreated } from './room.js';
export { FIRST_PICTURE_MAX_LAYER, MediaPeer, sourceOf, type TransportDirection, type TransportOptionsForClient } from './peer.js';
export { RoomRegistry } from './room-registry.js';
export { MediaError, type MediaErrorCode } from './media-error.js';
export { MAX_INCOMING_BITRATE, PRODUCER_SOURCES, producerSourceFor, TRANSPORTS_PER_DIRECTION, type ProducerSource } from './peer-limits.js';
export type { MediaSettings } from './media-settings.js';
export { mediaCodecs } from './codecs.js';
export { AUDIO_LEVEL_EXTENSION, routerCodecs, type RoomShape } from './room-shape.js';
export type { WorkerLoad } from './worker-load.js';
export { placeParticipant, type WorkerChoice } from './placement.js';
export { HostPipeSender, MAX_UNJOINED_PER_FAR_HOST } from './host-pipe-sender.js';
export { HostPipeReceiver, type CarriedProducer, type FarHost } from './host-pipe-receiver.js';
export { PIPE_WATCH_DEFAULTS, PipePeerRange, type HostPipeSettings, type PipeNetwork } from './host-pipe-settings.js';
export {
  pipeAnswerSchema,
  pipeCloseSchema,
  pipeMirrorSchema,
  pipeOfferSchema,
  pipeRequestSchema,
  type DeadPipe,
  type PipeAnswer,
  type PipeClose,
  type PipeEndpoint,
  type PipeMirror,
  type PipeOffer,
  type PipeRequest,
} from './host-pipe-messages.js';
export type { ConsumerOffer, MediaRooms, ProducerMade, RoomMedia, RoomMediaClosedReason, RoomMediaEvents } from './room-media.js';
export { LocalMediaRooms, LocalRoomMedia } from './local-room-media.js';
