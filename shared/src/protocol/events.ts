import { z } from 'zod';
import type { Ack, ErrorBody } from '../result.js';
import {
  LobbyAdmit,
  LobbyAdmitAll,
  LobbyAdmittedCount,
  LobbyEntry,
  LobbyKnock,
  LobbyLate,
  LobbyLateNotice,
  LobbySessionNotice,
  LobbyStatus,
  LobbyWatch,
} from './lobby.js';
import {
  ApplicationMessageArrived,
  ApplicationMessageSent,
  CommitArrived,
  CommitResult,
  GroupRestarted,
  KeyPackagePublished,
  KeyPackagesArrived,
  PublishKeyPackage,
  SendApplicationMessage,
  SubmitCommit,
  WelcomeArrived,
} from './mls.js';
import { SessionEnded } from './auth.js';
import { PresenceState, PresenceSubscribe } from './presence.js';
import { CircleChanged } from './circles.js';
import { ReminderDue } from './reminders.js';
import { CalendarChanged } from './scheduling.js';
import {
  ActiveSpeaker,
  AllowShare,
  ConnectTransport,
  FloorState,
  LockRoom,
  Moderate,
  Moderated,
  PeerSending,
  RaiseHand,
  SendingState,
  ConsumerClosed,
  CreateTransport,
  NewConsumer,
  PeerLeft,
  PeerView,
  Produce,
  Produced,
  RoomClosed,
  RoomMediaMoved,
  RoomJoin,
  RoomJoined,
  RoomPrepare,
  RoomPrepared,
  ConsumerView,
  RestartIce,
  RoomReady,
  SetMediaMode,
  SharePermission,
  TransportOptions,
} from './room.js';
import { IceParameters } from './media-parameters.js';

export const Empty = z.strictObject({});
export type Empty = z.infer<typeof Empty>;

/**
 * Every request a client may make over Socket.IO: its payload schema (checked
 * by the server on arrival) and the schema of the data its ack carries.
 */
export const clientRequests = {
  'presence:subscribe': { request: PresenceSubscribe, response: z.array(PresenceState) },
  'lobby:knock': { request: LobbyKnock, response: LobbyStatus },
  'lobby:watch': { request: LobbyWatch, response: z.array(LobbyEntry) },
  'lobby:admit': { request: LobbyAdmit, response: Empty },
  'lobby:admit-all': { request: LobbyAdmitAll, response: LobbyAdmittedCount },
  'lobby:late': { request: LobbyLate, response: Empty },
  'room:prepare': { request: RoomPrepare, response: RoomPrepared },
  'room:join': { request: RoomJoin, response: RoomJoined },
  'room:create-transport': { request: CreateTransport, response: TransportOptions },
  'room:connect-transport': { request: ConnectTransport, response: Empty },
  'room:produce': { request: Produce, response: Produced },
  'room:ready': { request: RoomReady, response: Empty },
  'room:leave': { request: Empty, response: Empty },
  'room:set-media-mode': { request: SetMediaMode, response: Empty },
  'room:consumer-view': { request: ConsumerView, response: Empty },
  'room:restart-ice': { request: RestartIce, response: z.object({ iceParameters: IceParameters }) },
  'room:set-sending': { request: SendingState, response: Empty },
  'room:request-key-frame': { request: Empty, response: Empty },
  'room:raise-hand': { request: RaiseHand, response: FloorState },
  'room:moderate': { request: Moderate, response: Empty },
  'room:mute-all': { request: Empty, response: z.object({ muted: z.number().int().nonnegative() }) },
  'room:lock': { request: LockRoom, response: FloorState },
  'room:end': { request: Empty, response: Empty },
  /** Stops this peer's screen share (the browser's own "stop sharing" included): the others' consumers close. */
  'room:stop-share': { request: Empty, response: Empty },
  'room:allow-share': { request: AllowShare, response: Empty },
  'mls:publish-key-package': { request: PublishKeyPackage, response: KeyPackagePublished },
  'mls:commit': { request: SubmitCommit, response: CommitResult },
  'mls:message': { request: SendApplicationMessage, response: ApplicationMessageSent },
} as const;

export type ClientRequestName = keyof typeof clientRequests;
export type RequestPayload<E extends ClientRequestName> = z.input<(typeof clientRequests)[E]['request']>;
export type ParsedRequest<E extends ClientRequestName> = z.output<(typeof clientRequests)[E]['request']>;
export type ResponseData<E extends ClientRequestName> = z.output<(typeof clientRequests)[E]['response']>;

/** Everything the server pushes to clients, with the schema of its payload. */
export const serverEvents = {
  'presence:update': PresenceState,
  'lobby:knock': LobbyEntry,
  'lobby:left': z.object({ sessionId: z.string(), userId: z.string() }),
  'lobby:admitted': LobbySessionNotice,
  'lobby:late': LobbyLateNotice,
  /** The host locked the room while this person waited, or removed them, or ended it. */
  'lobby:refused': LobbySessionNotice.extend({ reason: z.enum(['locked', 'removed', 'ended']) }),
  'calendar:changed': CalendarChanged,
  'circle:changed': CircleChanged,
  'reminder:due': ReminderDue,
  'room:peer-joined': PeerView,
  'room:peer-left': PeerLeft,
  /** The host admitted this waiting (prepared) connection: it is in the room now, as `room:join` would have answered. */
  'room:entered': RoomJoined,
  'room:consumer-closed': ConsumerClosed,
  'room:closed': RoomClosed,
  /** Our media moved to another media node; the room and the group stay (issue 14: a draining or dead node). */
  'room:media-moved': RoomMediaMoved,
  'room:peer-sending': PeerSending,
  'room:active-speaker': ActiveSpeaker,
  'room:floor': FloorState,
  'room:moderated': Moderated,
  'room:share-permission': SharePermission,
  'mls:key-packages': KeyPackagesArrived,
  'mls:commit': CommitArrived,
  'mls:welcome': WelcomeArrived,
  'mls:message': ApplicationMessageArrived,
  /** The sign-in behind this connection ended (sign-out, expiry, a new cookie, …); the server disconnects next. */
  'session:ended': SessionEnded,
  'mls:group-restarted': GroupRestarted,
} as const;

export type ServerEventName = keyof typeof serverEvents;
export type ServerEventPayload<E extends ServerEventName> = z.output<(typeof serverEvents)[E]>;

/**
 * What the server asks of a client and waits for (an ack with a timeout):
 * the payload it sends, and the schema of the data the client's answer
 * carries, which the server checks like any request.
 */
export const serverRequests = {
  'room:consume': { request: NewConsumer, response: Empty },
} as const;

export type ServerRequestName = keyof typeof serverRequests;
export type ServerRequestPayload<E extends ServerRequestName> = z.output<(typeof serverRequests)[E]['request']>;
export type ServerResponseData<E extends ServerRequestName> = z.output<(typeof serverRequests)[E]['response']>;

export type ClientToServerEvents = {
  [E in ClientRequestName]: (payload: RequestPayload<E>, ack: (response: Ack<ResponseData<E>>) => void) => void;
};

export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerEventPayload<E>) => void;
} & {
  [E in ServerRequestName]: (payload: ServerRequestPayload<E>, ack: (response: Ack<ServerResponseData<E>>) => void) => void;
} & {
  /** Told to a client that sent something the server could not even route to a handler. */
  'app:error': (error: ErrorBody) => void;
};
