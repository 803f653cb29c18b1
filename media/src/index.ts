export { WorkerPool, type PooledWorker } from './worker-pool.js';
export { Room, type ConsumerCreated } from './room.js';
export { MediaPeer, type TransportDirection, type TransportOptionsForClient } from './peer.js';
export { RoomRegistry } from './room-registry.js';
export { MediaError, type MediaErrorCode } from './media-error.js';
export { MAX_INCOMING_BITRATE, PRODUCER_SOURCES, TRANSPORTS_PER_DIRECTION, type ProducerSource } from './peer-limits.js';
export type { MediaSettings } from './media-settings.js';
export { mediaCodecs } from './codecs.js';
export { AUDIO_LEVEL_EXTENSION, routerCodecs, type RoomShape } from './room-shape.js';
