import type { MediaRooms } from '@care/media';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LocalFanOut, Notifier } from '../notifier.js';
import type { AttendanceRecorder } from '../reporting/attendance-recorder.js';
import type { SessionDirectory } from '../sessions/session-directory.js';
import { Admission } from './admission.js';
import { LiveMedia } from './live-media.js';
import { LiveRooms } from './live-rooms.js';
import { Lobby } from './lobby.js';
import { MlsDelivery } from './mls/mls-delivery.js';
import type { MlsEpochClaims } from './mls/mls-epoch-claims.js';
import { MlsGroupRoster } from './mls/mls-group-roster.js';
import { RoomEntry } from './room-entry.js';
import { RoomModeration } from './room-moderation.js';
import { RoomServingNodes } from './room-serving-nodes.js';
import { ScreenShares } from './screen-shares.js';
import type { TurnCredentials } from './turn-credentials.js';
import { SessionFloor } from './session-floor.js';

/** The live session's parts, as the socket features use them. */
export interface LiveSession {
  /** The lobby and who may enter (every check on the server). */
  admission: Admission;
  /** The way into a room: preparing in the lobby, admission, seat, floor and MLS group. */
  entry: RoomEntry;
  /** Who is in which room on this node. */
  rooms: LiveRooms;
  /** Transports, producers, consumers and what each peer sends. */
  media: LiveMedia;
  /** Raised hands and the host's tools (screen-share permissions among them). */
  moderation: RoomModeration;
  /** The MLS delivery service: commits ordered, KeyPackages, Welcomes and chat forwarded as bytes. */
  mls: MlsDelivery;
  /** Which signal node serves each room (all of a room's pages are seated on one node). */
  serving: RoomServingNodes;
}

export interface LiveSessionDeps {
  redis: Redis;
  /** The authoritative MLS epochs (claims in the database); Redis holds a copy. */
  epochClaims: MlsEpochClaims;
  /** The rooms' media, in this process or on media nodes. */
  mediaRooms: MediaRooms;
  sessions: SessionDirectory;
  notifier: Notifier & LocalFanOut;
  attendance: Pick<AttendanceRecorder, 'joined' | 'joinedCircleMeeting'>;
  /** TURN credentials handed out with each transport (none when the deployment has no TURN). */
  turn?: TurnCredentials;
  log: Logger;
}

/**
 * Builds the live session and lets its parts follow the rooms: a newcomer's
 * media starts flowing, what a leaver held (a raised hand, an MLS leaf), what
 * someone who stopped waiting had prepared (a held KeyPackage) and what an
 * emptied room kept (its MLS group) end through the rooms' events, and those
 * turned away in the lobby lose what they prepared, each part minding its own.
 */
export function createLiveSession({ redis, epochClaims, mediaRooms, sessions, notifier, attendance, turn, log }: LiveSessionDeps): LiveSession {
  const floor = new SessionFloor(redis);
  const admission = new Admission(sessions, new Lobby(redis), floor, notifier);
  const rooms = new LiveRooms(mediaRooms, notifier, log.child({ component: 'live-rooms' }));
  const shares = new ScreenShares(rooms, notifier);
  const media = new LiveMedia(rooms, mediaRooms, shares, notifier, log.child({ component: 'live-rooms' }), turn);
  const moderation = new RoomModeration(rooms, media, admission, floor, shares, notifier, log.child({ component: 'moderation' }));
  const mls = new MlsDelivery(new MlsGroupRoster(redis, epochClaims), rooms, notifier);

  rooms.on('peerJoined', (peer, room) => {
    media.follow(room);
    shares.peerJoined(peer);
    media.admitted(peer).catch((error: unknown) => log.warn({ err: error, roomId: peer.roomId }, 'could not start a newcomer\'s media'));
  });
  rooms.on('waitingEnded', (peer) => mls.waitingEnded(peer));
  rooms.on('mediaMoved', (peer, room) => {
    media.moved(peer, room).catch((error: unknown) => log.warn({ err: error, roomId: peer.roomId }, 'could not set up a moved peer\'s media'));
  });
  admission.on('turnedAway', (sessionId, userIds) => rooms.dropWaiting(sessionId, userIds));
  rooms.on('peerLeft', (peer, { keepsPlace }) => {
    media.peerLeft(peer);
    shares.peerLeft(peer, keepsPlace);
    moderation.peerLeft(peer, keepsPlace).catch((error: unknown) => log.warn({ err: error }, 'could not lower a leaving hand'));
    mls.peerLeft(peer).catch((error: unknown) => log.warn({ err: error, roomId: peer.roomId }, 'could not mark a leaver for removal'));
  });
  rooms.on('roomEmptied', (roomId) => {
    shares.roomEmptied(roomId);
    mls.endGroup(roomId).catch((error: unknown) => log.warn({ err: error, roomId }, 'could not end the MLS group'));
  });

  const serving = new RoomServingNodes(redis, (roomId) => rooms.hasAnyoneIn(roomId), log.child({ component: 'room-serving' }));
  const entry = new RoomEntry(admission, rooms, moderation, mls, serving, attendance, notifier, log.child({ component: 'room-entry' }));
  return { admission, entry, rooms, media, moderation, mls, serving };
}
