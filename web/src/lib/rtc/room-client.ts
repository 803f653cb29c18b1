import {
  mediaModeAllows,
  ProducerSource,
  type MediaMode,
  type NewConsumer,
  type PeerView,
  type RoomClosedReason,
  type RoomJoined,
  type RoomPrepared,
  type RtpCapabilities,
  type SendingState,
  type TransportOptions,
} from '@care/shared';
import { Device, type types } from 'mediasoup-client';
import type { E2eeSession } from '../e2ee/e2ee-session.svelte.js';
import { ApiError } from '../api/api-error.js';
import { request, type AppSocket } from '../socket/socket-client.js';
import { subscribe, type Unsubscribe } from '../socket/socket-subscription.js';
import { ConsumeGathering } from './consume-gathering.js';
import { ConsumerReoffer } from './consumer-reoffer.js';
import { IceRecovery, type WatchedTransport } from './ice-recovery.js';
import { listenToNetwork } from './network-change.js';
import { PendingAnswers } from './pending-answers.js';
import { connectEarly } from './receive-warm-up.js';
import { ReceiveTransformWatch, type ReceiverSample } from './receive-transform-watch.js';
import { TransformWatch, type SendKind, type SendSource } from './transform-watch.js';

export type MediaConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface RoomClientEvents {
  onPeerJoined(peer: PeerView): void;
  onPeerLeft(peerId: string): void;
  /** A participant's microphone, camera or shared screen arrived. */
  onTrack(peerId: string, track: MediaStreamTrack, source: ProducerSource): void;
  onTrackEnded(peerId: string, source: ProducerSource): void;
  onConnectionState(state: MediaConnectionState): void;
  /** Waiting prepared in the lobby, the host let us in: the server seated our prepared peer (`enter` goes on from there). */
  onEntered(): void;
  /** The server ended our place in the room: another tab took over, the media restarted, the host ended it or removed us. */
  onClosed(reason: RoomClosedReason): void;
  /**
   * Our media is not being sent because it could not be encrypted: every
   * kind (no transform support), or one track whose transform did not run
   * when it started or resumed.
   */
  onNotSending(what: 'all' | SendKind): void;
  /**
   * Our screen share ended without our asking: the browser's own "stop
   * sharing" (the track ended), or its encryption did not run (closed, as a
   * camera would be). The others have been told.
   */
  onScreenShareEnded(reason: 'ended' | 'not-encrypted'): void;
}

const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 450_000 },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

/**
 * A shared screen is one stream, not simulcast: a lower layer of a document
 * is text nobody can read, and a screen mostly stands still, so one stream at
 * a low frame rate costs little. Its priority tells the browser's bandwidth
 * allocation to give up the camera's top layer first (the others show the
 * camera small while a share is on; see MAX_INCOMING_BITRATE in @care/media).
 */
export const SCREEN_MAX_BITRATE = 1_000_000;
const SCREEN_ENCODING: RTCRtpEncodingParameters = { maxBitrate: SCREEN_MAX_BITRATE, maxFramerate: 15, priority: 'high', networkPriority: 'high' };

/** Fewer audio packets than this in a poll's interval (a muted or silent circle) are too few to judge the voice by. */
const MIN_AUDIO_PACKETS = 20;

/** Percent of packets lost between two readings of cumulative counters; undefined when fewer than `min` were expected. */
function lossSince(before: { received: number; lost: number }, now: { received: number; lost: number }, min = 1): number | undefined {
  const received = Math.max(0, now.received - before.received);
  const lost = Math.max(0, now.lost - before.lost);
  return received + lost >= min ? (100 * lost) / (received + lost) : undefined;
}

/** One reading of what we receive: overall, and by participant (a circle's tiles). */
export interface Reception {
  quality: ConnectionQuality;
  byPeer: Map<string, ConnectionQuality>;
}

export interface ConnectionQuality {
  /** 0 (lost) to 3 (good). */
  level: 0 | 1 | 2 | 3;
  /** Inbound packet loss over the last interval, percent. */
  lossPercent: number;
  /**
   * The same for audio alone (the voice), when enough of it arrived in the
   * interval to tell (a muted or silent voice sends too little to judge).
   */
  audioLossPercent?: number | undefined;
  /** Round trip to the SFU, milliseconds (undefined before it is known). */
  rttMs: number | undefined;
}

/** What a room visit is given to start with. */
export interface RoomVisit {
  sessionId: string;
  localStream: MediaStream;
  /** The person's microphone and camera switches as they enter. */
  sending: SendingState;
  /** Sign with a key made for this visit (a pseudonym), not the device's. */
  unlinkable?: boolean;
}

/**
 * One participant's media in a room, through mediasoup-client: a send
 * transport carrying the local camera and microphone, a receive transport
 * carrying everyone else. A waiting participant's page prepares in the
 * lobby (`prepare`): both transports created and connected, the tracks
 * produced (held at the SFU, and here: their senders carry no track), the
 * MLS KeyPackage published (held by the server); admitted, it only has to
 * `enter`. Each consumer is
 * the server's request (`room:consume`), answered once it exists here with
 * its decrypting transform in place; they are set up side by side. The
 * room's comings and goings are heard here once and handed on: to the E2EE
 * session (who may hold keys) and to the page (`RoomClientEvents`).
 */
export class RoomClient {
  #send: types.Transport | undefined;
  #recv: types.Transport | undefined;
  /** The server's consumer requests, set up together (one renegotiation for those that come at once). */
  readonly #gathering = new ConsumeGathering();
  readonly #producers = new Map<SendKind, types.Producer>();
  /** Kinds whose producer is being made (one per kind, whoever asks). */
  readonly #producing = new Set<SendKind>();
  /** Kinds whose track could not be encrypted this visit: not made again (see #stopUnencrypted). */
  readonly #stoppedUnencrypted = new Set<SendKind>();
  #device: Device | undefined;
  /** The id each sending track's transform counts its frames under (given before the producer exists). */
  readonly #senderTrackIds = new Map<SendKind, string>();
  /** The track each producer sends once in the room: the camera or microphone, or the camera's blurred copy. */
  readonly #sendTracks = new Map<SendKind, MediaStreamTrack>();
  /** Producers whose transform is being watched: in the room, not paused. */
  readonly #watched = new Set<SendKind>();
  /** Tracks put on and taken off the senders, one after another (see #attachTracks). */
  #trackWork: Promise<void> = Promise.resolve();
  readonly #watch: TransformWatch;
  /** Puts back a decrypting transform Chromium left unhooked on a receiver. */
  readonly #receiveWatch: ReceiveTransformWatch;
  /** Our shared screen, while it is shared (its track is ours to stop). */
  #screen: { producer: types.Producer; trackId: string } | undefined;
  readonly #consumers = new Map<string, { consumer: types.Consumer; peerId: string; source: ProducerSource }>();
  /** Answers to the server's consumer requests not sent yet. */
  readonly #answering = new PendingAnswers();
  /** The view of each video consumer the SFU was last told. */
  readonly #toldViews = new Map<string, { spatialLayer: number; visible: boolean }>();
  /** The people in the room we know of; a consumer of someone not (yet) known waits to be handed to the page. */
  readonly #known = new Set<string>();
  /** What we receive with, once known: told again when a consumer is to be offered anew. */
  #recvCapabilities: types.RtpCapabilities | undefined;
  /** Consumers the server gave up waiting for are asked for again. */
  readonly #reoffer = new ConsumerReoffer(
    (peerId) => this.#known.has(peerId),
    () => this.#readyAgain(),
  );
  #visit: RoomVisit | undefined;
  /** Our peer, once the server made it (`room:prepare`). */
  #prepared: Promise<RoomPrepared> | undefined;
  /** The media side prepared: transports, `room:ready`, the tracks produced. */
  #mediaReady: Promise<void> | undefined;
  /** A move being made (#queueMove), and the newest one said meanwhile. */
  #moving: Promise<void> | undefined;
  #nextMove: RtpCapabilities | undefined;
  /** What the host's admission gave us, if the server let our prepared page in itself (`room:entered`). */
  #entered: RoomJoined | undefined;
  /** In the room: our tracks may be sent (until then their senders carry none, and the SFU holds them). */
  #inRoom = false;
  #state: Record<'send' | 'recv', types.ConnectionState> = { send: 'new', recv: 'new' };
  #sendWanted = { audio: true, video: true };
  #mode: MediaMode = 'full';
  /** Wi-Fi to mobile and back: ICE restarts bring the media path back (or give up, and the page offers a rejoin). */
  readonly #recovery = new IceRecovery({
    restart: (transport) => this.#restartIce(transport),
    onRecovered: () => {
      // The path is back: pictures start at the next key frame, asked now both ways rather than waited for.
      if (this.#inRoom && !this.#closed) void request(this.socket, 'room:request-key-frame', {}).catch(() => undefined);
    },
    onChange: () => this.#reportState(),
    listenToNetwork,
  });
  #lastTotals = { received: 0, lost: 0 };
  #lastAudioTotals = { received: 0, lost: 0 };
  #lastByPeer = new Map<string, { received: number; lost: number }>();
  #unsubscribe: Unsubscribe | undefined;
  #closed = false;

  constructor(
    private readonly socket: AppSocket,
    private readonly e2ee: E2eeSession,
    private readonly events: RoomClientEvents,
  ) {
    this.#watch = new TransformWatch(
      (trackId) => e2ee.framesSeen(trackId),
      () => e2ee.countsAt(),
      (source) => {
        const track = (source === 'screen' ? this.#screen?.producer : this.#producers.get(source))?.track;
        return track?.readyState === 'live' && !track.muted;
      },
      (source) => (source === 'screen' ? this.#endScreenShare('not-encrypted') : this.#stopUnencrypted(source)),
    );
    this.#receiveWatch = new ReceiveTransformWatch(
      () => this.#receiverSamples(),
      (trackId) => e2ee.framesHandled(trackId),
      () => e2ee.countsAt(),
      (trackId) => this.#reattachReceiver(trackId),
    );
  }

  /**
   * In the lobby: gets everything ready that being let in would otherwise
   * wait for, and nothing the server would not give a waiting person: our
   * peer and the router's capabilities, both transports created and
   * connected (ICE and DTLS done), the tracks produced (held at the SFU; here
   * their senders carry no track), each through the encrypting transform attached to its RTP
   * sender before its first negotiation, and (`keyPackage`) our MLS
   * KeyPackage published, held by the server until the host admits us.
   * Fail-closed: without transform support nothing is produced.
   */
  async prepare(visit: RoomVisit, options: { keyPackage?: boolean } = {}): Promise<void> {
    this.#visit = visit;
    this.#sendWanted = { ...visit.sending };
    this.#listen();
    const prepared = request(this.socket, 'room:prepare', { sessionId: visit.sessionId, sending: visit.sending });
    this.#prepared = prepared;
    this.#mediaReady = prepared.then((peer) => this.#prepareMedia(peer, visit));
    await Promise.all([
      this.#mediaReady,
      options.keyPackage ? prepared.then((peer) => this.e2ee.prepareMember(peer.roomId, peer.peerId, { unlinkable: visit.unlinkable })) : undefined,
    ]);
  }

  /**
   * Admitted: enters the room and its MLS group with what was prepared
   * (the server may have let us in already, `room:entered`; else `room:join`),
   * then sends the local tracks. Resolves once this device holds an epoch's keys.
   */
  async enter(): Promise<RoomJoined> {
    const visit = this.#visit;
    if (!visit || !this.#prepared) throw new Error('prepare the room visit first');
    this.events.onConnectionState('connecting');
    await this.#prepared;
    const entered = this.#entered;
    const joined = entered ?? (await request(this.socket, 'room:join', { sessionId: visit.sessionId, sending: visit.sending }));
    this.#entered = joined;
    // Those already here first, so their media has someone to belong to.
    for (const peer of joined.peers) this.#peerJoined(peer);
    this.#inRoom = true;
    // Transports the lobby connected say nothing more: tell the page where they stand now.
    this.#reportState();
    // Let in by the server as we prepared: it forwards what we had switched on then; tell it what we switched since.
    const wanted = { ...this.#sendWanted };
    if (entered && (wanted.audio !== visit.sending.audio || wanted.video !== visit.sending.video)) {
      void request(this.socket, 'room:set-sending', wanted).catch(() => undefined);
    }
    const sending = this.#mediaReady?.then(() => this.#applySending());
    if (this.e2ee.state === 'unsupported') {
      await sending;
      return joined;
    }
    await Promise.all([sending, this.e2ee.start(joined.roomId, joined.peerId, joined.mls, { unlinkable: visit.unlinkable })]);
    // Now this device, and so everyone, holds the epoch's keys: key frames both ways start the pictures
    // (any sent before could not be decrypted by whoever lacked the keys then).
    void request(this.socket, 'room:request-key-frame', {}).catch(() => undefined);
    return joined;
  }

  /**
   * Resolves once the consumers the server asked for so far are answered
   * (each answer is what starts its media at the SFU), or after `maxMs`,
   * whichever is first; at once when none is waiting.
   */
  consumersAnswered(maxMs: number): Promise<void> {
    return this.#answering.settled(maxMs);
  }

  /** Prepares and enters at once: the host, someone already admitted (a reload, a reconnect), a media restart. */
  async join(visit: RoomVisit): Promise<RoomJoined> {
    const preparing = this.prepare(visit);
    // Entering does not wait for the media to be ready: the tracks go out as soon as they are.
    const [joined] = await Promise.all([this.enter(), preparing]);
    return joined;
  }

  /**
   * `keysHeld`: this device holds the group's keys already (its media moved), so video may reach it from the
   * first consumer on. Otherwise that is said once the keys are in (`enter`), wherever the media is by then.
   */
  async #prepareMedia(prepared: RoomPrepared, visit: RoomVisit, keysHeld = false): Promise<void> {
    const device = new Device();
    await device.load({ routerRtpCapabilities: prepared.routerRtpCapabilities as types.RtpCapabilities });
    const [sendOptions, recvOptions] = await Promise.all([
      request(this.socket, 'room:create-transport', { direction: 'send' }),
      request(this.socket, 'room:create-transport', { direction: 'recv' }),
    ]);
    if (this.#closed) return;
    this.#send = this.#createTransport(device, 'send', sendOptions);
    this.#recv = this.#createTransport(device, 'recv', recvOptions);
    this.#receiveWatch.start();
    // Receive with the decrypting transform from the first consumer on; frames show from the moment the keys arrive.
    this.e2ee.prepare();
    if (this.e2ee.state === 'unsupported') {
      this.events.onNotSending('all');
      return;
    }
    this.#recvCapabilities = device.recvRtpCapabilities;
    await Promise.all([
      // Said before the consumers come, so each starts with a key frame the encoder has not just sent.
      keysHeld ? request(this.socket, 'room:request-key-frame', {}) : undefined,
      request(this.socket, 'room:ready', { rtpCapabilities: device.recvRtpCapabilities }),
      connectEarly(this.#recv, device, (receiver) => this.e2ee.attachReceiver(receiver, 'video', `warm-up-${crypto.randomUUID()}`)),
      this.#produce(device, this.#send, visit.localStream),
    ]);
  }

  async #produce(device: Device, send: types.Transport, localStream: MediaStream): Promise<void> {
    this.#device = device;
    for (const captured of localStream.getTracks()) {
      const kind: SendKind = captured.kind === 'audio' ? 'audio' : 'video';
      // Made again after a move: what was sent before (the blurred copy, if the background was).
      const before = this.#sendTracks.get(kind);
      const track = before?.readyState === 'live' ? before : captured;
      // A camera switched off is let go of: its producer is made when it is switched on again (replaceTrack).
      if (track.readyState === 'ended') continue;
      await this.#produceTrack(device, send, kind, track);
    }
  }

  /** One producer of our camera or microphone, unless there is one (or one is being made). */
  async #produceTrack(device: Device, send: types.Transport, kind: SendKind, track: MediaStreamTrack): Promise<void> {
    if (!device.canProduce(kind) || this.#closed || send.closed || this.#producers.has(kind) || this.#producing.has(kind)) return;
    this.#producing.add(kind);
    try {
      const trackId = `send-${kind}-${crypto.randomUUID()}`;
      const producer = await send.produce({
        track,
        stopTracks: false,
        // Paused means nothing leaves: no black frames, no silence packets (the lobby, the panic key, audio-only).
        zeroRtpOnPause: true,
        disableTrackOnPause: true,
        // Three simulcast layers: the SFU forwards each receiver the one its link and view can take.
        // SFrame leaves the VP8 payload header clear, so the SFU still finds key frames and layers.
        ...(kind === 'video' ? { encodings: SIMULCAST_ENCODINGS } : {}),
        // DTX and constant bitrate come from the room's Opus parameters (a 1:1 session's audio follows no speech).
        ...(kind === 'audio' ? { codecOptions: { opusFec: true } } : {}),
        // Called with the new RTCRtpSender before the offer is made: encryption is in place before any frame can flow.
        onRtpSender: (sender) => this.e2ee.attachSender(sender, kind, trackId),
      });
      this.#producers.set(kind, producer);
      this.#senderTrackIds.set(kind, trackId);
      // A newer track given meanwhile (the camera opened again) stays the one to send; #attachTracks puts it on.
      if (this.#sendTracks.get(kind)?.readyState !== 'live') this.#sendTracks.set(kind, track);
    } finally {
      this.#producing.delete(kind);
    }
    // In the lobby the track comes off its sender at once; switched off before entering (a circle starts
    // with the camera off), the producer is paused too.
    this.#applySending();
  }

  /** A transform that saw no frame means the track is not encrypted: stop it and say so. */
  #stopUnencrypted(kind: SendKind): void {
    const producer = this.#producers.get(kind);
    if (this.#closed || !producer || producer.closed || producer.paused) return;
    producer.close();
    this.#producers.delete(kind);
    this.#stoppedUnencrypted.add(kind);
    this.#watched.delete(kind);
    this.events.onNotSending(kind);
  }

  /**
   * A new track for `kind` on the same producer (background blur switched on
   * or off): the sender, its encrypting transform and the negotiation stay;
   * the transform must see the new track's frames, as at any start.
   */
  async replaceTrack(kind: SendKind, track: MediaStreamTrack): Promise<void> {
    if (this.#closed) return;
    const producer = this.#producers.get(kind);
    if (!producer || producer.closed) {
      // None yet: the camera was off (let go of) when the media was set up. It is made now, held as the switches say.
      this.#sendTracks.set(kind, track);
      if (this.#device && this.#send && !this.#stoppedUnencrypted.has(kind)) await this.#produceTrack(this.#device, this.#send, kind, track);
      return;
    }
    this.#sendTracks.set(kind, track);
    // Still in the lobby, it stays off its sender until we are let in.
    if (!this.#inRoom) return;
    await this.#attachTracks();
    const trackId = this.#senderTrackIds.get(kind);
    if (!producer.paused && trackId) this.#watch.started(kind, trackId);
  }

  /** The person's own mute/camera switch; the media mode may still hold a track back. */
  setTrackEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    this.#sendWanted[kind] = enabled;
    this.#applySending();
  }

  /** Low-bandwidth modes: what we receive (the SFU pauses the rest) and what we send. */
  async setMediaMode(mode: MediaMode): Promise<void> {
    this.#mode = mode;
    this.#applySending();
    await request(this.socket, 'room:set-media-mode', { mode });
  }

  /**
   * Camera and microphone follow our switches and the mode, paused (no RTP
   * at all) when off. In the lobby their senders carry no track besides, so
   * nothing is encoded or sent whatever the switches say, and being let in
   * puts the tracks back on (no renegotiation: the picture starts at the
   * next captured frame) rather than resuming paused producers, which would
   * renegotiate each in turn on the way of the first frame.
   */
  #applySending(): void {
    const allowed = mediaModeAllows(this.#mode);
    for (const [kind, producer] of this.#producers) {
      const wanted = this.#sendWanted[kind] && allowed[kind];
      if (wanted && producer.paused) producer.resume();
      else if (!wanted && !producer.paused) producer.pause();
      // As mediasoup-client does for the track on the sender; one held off it (the lobby) or made
      // again after a move follows too, so the preview and a new producer show what the switch says.
      const track = this.#sendTracks.get(kind);
      if (track && track.enabled !== wanted) track.enabled = wanted;
      const trackId = this.#senderTrackIds.get(kind);
      // Every start is checked: a track that began held or paused has never been seen by its transform.
      if (this.#inRoom && !producer.paused && trackId) {
        if (!this.#watched.has(kind)) this.#watch.started(kind, trackId);
        this.#watched.add(kind);
      } else {
        this.#watch.stopped(kind);
        this.#watched.delete(kind);
      }
    }
    void this.#attachTracks();
    // A shared screen follows the mode only: the camera switch is not the share's.
    if (this.#screen) this.#follow('screen', this.#screen.producer, this.#screen.trackId, allowed.video);
  }

  /**
   * Puts each producer's track on its sender in the room, and keeps it off
   * in the lobby. One change at a time, each reading what is wanted when it
   * runs: mediasoup-client compares with the track it holds before its own
   * replace is done, so two overlapping replaces could end on the older.
   */
  #attachTracks(): Promise<void> {
    this.#trackWork = this.#trackWork.then(async () => {
      for (const [kind, producer] of this.#producers) {
        const wanted = this.#inRoom ? (this.#sendTracks.get(kind) ?? null) : null;
        if (producer.closed || producer.track === wanted) continue;
        await producer.replaceTrack({ track: wanted }).catch(() => undefined);
      }
    });
    return this.#trackWork;
  }

  #follow(source: SendSource, producer: types.Producer, trackId: string | undefined, wanted: boolean): void {
    if (wanted && producer.paused) {
      producer.resume();
      // Every start is checked: a camera that began paused has never been seen by its transform.
      if (trackId) this.#watch.started(source, trackId);
    } else if (!wanted && !producer.paused) {
      producer.pause();
      this.#watch.stopped(source);
    }
  }

  /**
   * Shares a screen or window as a third producer, through the encrypting
   * transform exactly as the camera: attached to its RTP sender before the
   * offer, watched by the transform check, closed if it does not run. The
   * browser's own "stop sharing" ends the track, which ends the share here
   * and at the SFU.
   */
  async shareScreen(track: MediaStreamTrack): Promise<void> {
    if (!this.#send || !this.#inRoom || this.#closed) throw new Error('not in the room');
    if (this.#screen) await this.stopScreenShare();
    // Detail over motion: text stays sharp, the frame rate gives way first.
    track.contentHint = 'detail';
    const trackId = `send-screen-${crypto.randomUUID()}`;
    const producer = await this.#send.produce({
      track,
      stopTracks: false,
      zeroRtpOnPause: true,
      disableTrackOnPause: true,
      encodings: [SCREEN_ENCODING],
      appData: { source: 'screen' },
      onRtpSender: (sender) => this.e2ee.attachSender(sender, 'video', trackId),
    });
    if (this.#closed || track.readyState === 'ended') {
      producer.close();
      track.stop();
      if (!this.#closed) void request(this.socket, 'room:stop-share', {}).catch(() => undefined);
      return;
    }
    this.#screen = { producer, trackId };
    producer.on('trackended', () => this.#endScreenShare('ended'));
    this.#watch.started('screen', trackId);
    this.#applySending();
  }

  /** Stops our screen share: the capture ends (the browser's sharing bar goes), and the others' consumers close. */
  async stopScreenShare(): Promise<void> {
    if (!this.#dropScreen()) return;
    await request(this.socket, 'room:stop-share', {});
  }

  /** The share is over without our asking (the browser ended it, or it could not be encrypted): the SFU and the page are told. */
  #endScreenShare(reason: 'ended' | 'not-encrypted'): void {
    if (this.#closed || !this.#dropScreen()) return;
    void request(this.socket, 'room:stop-share', {}).catch(() => undefined);
    this.events.onScreenShareEnded(reason);
  }

  /** Closes our screen producer and ends the capture; false if there was none. */
  #dropScreen(): boolean {
    const screen = this.#screen;
    if (!screen) return false;
    this.#screen = undefined;
    this.#watch.stopped('screen');
    const track = screen.producer.track;
    screen.producer.close();
    track?.stop();
    return true;
  }

  /** The host withdrew our share: the SFU has closed it already, so only the capture ends here. */
  screenShareWithdrawn(): void {
    this.#dropScreen();
  }

  /**
   * Tells the SFU how the remote video is shown: a small tile gets a smaller
   * simulcast layer, a hidden tab gets none, and neither does a person shown
   * without a tile (`onScreen`: whose videos have one; everyone's when left
   * out). Only a consumer whose view changed is told, so a phone's tiles
   * following the speaker cost a request or two, not one per person.
   */
  async setVideoView(widthPx: number, visible: boolean, onScreen?: ReadonlySet<string>): Promise<void> {
    const spatialLayer = widthPx >= 640 ? 2 : widthPx >= 320 ? 1 : 0;
    for (const { consumer, peerId, source } of this.#consumers.values()) {
      if (consumer.kind !== 'video' || consumer.closed) continue;
      // A shared screen is shown on the stage whoever has a tile, so only the tab's visibility holds it back.
      const shown = source === 'screen' || (onScreen?.has(peerId) ?? true);
      const view = { spatialLayer, visible: visible && shown };
      const told = this.#toldViews.get(consumer.id);
      if (told?.spatialLayer === view.spatialLayer && told.visible === view.visible) continue;
      this.#toldViews.set(consumer.id, view);
      await request(this.socket, 'room:consumer-view', { consumerId: consumer.id, ...view }).catch((error: unknown) => {
        // Not told after all: the next call tries again.
        this.#toldViews.delete(consumer.id);
        throw error;
      });
    }
  }

  /**
   * Quality of what we receive, from one getStats of the receiving connection:
   * loss since the last reading and the round trip, and (`perPeer`, for a
   * circle's tiles) the loss of what arrives from each participant; one who
   * sent nothing in the interval (microphone and camera off) has no entry.
   * One report for all of it: asking each consumer (a getStats each, every
   * one a whole report of the connection) cost a circle of twenty about
   * eighty reports every poll, a fifth of a busy page's main thread.
   */
  async reception({ perPeer }: { perPeer: boolean }): Promise<Reception> {
    const all = { received: 0, lost: 0 };
    const audio = { received: 0, lost: 0 };
    const byPeer = new Map<string, { received: number; lost: number }>();
    let rtt: number | undefined;
    (await this.#recv?.getStats())?.forEach((s: { type: string; kind?: string; trackIdentifier?: string; packetsReceived?: number; packetsLost?: number; nominated?: boolean; currentRoundTripTime?: number }) => {
      if (s.type === 'inbound-rtp') {
        const received = s.packetsReceived ?? 0;
        const lost = s.packetsLost ?? 0;
        for (const total of s.kind === 'audio' ? [all, audio] : [all]) {
          total.received += received;
          total.lost += lost;
        }
        // A receiver's track id is its consumer's id (mediasoup-client); mediasoup's probation stream is nobody's.
        const peerId = perPeer && s.trackIdentifier ? this.#consumers.get(s.trackIdentifier)?.peerId : undefined;
        if (peerId !== undefined) {
          const total = byPeer.get(peerId) ?? { received: 0, lost: 0 };
          total.received += received;
          total.lost += lost;
          byPeer.set(peerId, total);
        }
      }
      if (s.type === 'candidate-pair' && s.nominated && s.currentRoundTripTime !== undefined) rtt = s.currentRoundTripTime * 1000;
    });
    const lossPercent = lossSince(this.#lastTotals, all) ?? 0;
    const audioLossPercent = lossSince(this.#lastAudioTotals, audio, MIN_AUDIO_PACKETS);
    this.#lastTotals = all;
    this.#lastAudioTotals = audio;
    const connected = this.#state.recv === 'connected' || this.#state.send === 'connected';
    const level: ConnectionQuality['level'] = !connected ? 0 : lossPercent > 10 || (rtt ?? 0) > 600 ? 1 : lossPercent > 3 || (rtt ?? 0) > 250 ? 2 : 3;
    const peers = new Map<string, ConnectionQuality>();
    if (perPeer) {
      for (const [peerId, total] of byPeer) {
        const peerLoss = lossSince(this.#lastByPeer.get(peerId) ?? { received: 0, lost: 0 }, total);
        if (peerLoss === undefined) continue;
        peers.set(peerId, { level: peerLoss > 10 ? 1 : peerLoss > 3 ? 2 : 3, lossPercent: peerLoss, rttMs: undefined });
      }
      this.#lastByPeer = byPeer;
    }
    return { quality: { level, lossPercent, audioLossPercent, rttMs: rtt }, byPeer: peers };
  }

  async leave(): Promise<void> {
    if (this.#closed) return;
    try {
      await request(this.socket, 'room:leave', {});
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#watch.close();
    this.#receiveWatch.close();
    this.#dropScreen();
    this.#send?.close();
    this.#recv?.close();
    this.#gathering.cancel(new Error('left the room'));
    this.#consumers.clear();
    this.#toldViews.clear();
    this.#reoffer.close();
    this.#recovery.close();
    this.e2ee.close();
    this.events.onConnectionState('closed');
  }

  /** Each receiver of ours with the RTP packets it got so far: one getStats of the receiving connection. */
  async #receiverSamples(): Promise<ReceiverSample[]> {
    if (!this.#recv || this.#closed) return [];
    const samples: ReceiverSample[] = [];
    (await this.#recv.getStats()).forEach((s: { type: string; trackIdentifier?: string; packetsReceived?: number }) => {
      // A receiver's track id is its consumer's id (mediasoup-client), the worker's id for its frames too.
      if (s.type === 'inbound-rtp' && s.trackIdentifier && this.#consumers.has(s.trackIdentifier)) {
        samples.push({ trackId: s.trackIdentifier, packets: s.packetsReceived ?? 0 });
      }
    });
    return samples;
  }

  #reattachReceiver(trackId: string): boolean {
    const entry = this.#consumers.get(trackId);
    const receiver = entry?.consumer.rtpReceiver;
    if (!entry || entry.consumer.closed || !receiver || !this.e2ee.reattachReceiver(receiver, entry.consumer.kind, trackId)) return false;
    // No id: which receiver it was says nothing a reader of the console needs.
    console.warn('put back the decrypting transform of a receiver whose frames did not reach it');
    return true;
  }

  #createTransport(device: Device, direction: 'send' | 'recv', options: TransportOptions): types.Transport {
    const params = {
      id: options.id,
      iceParameters: options.iceParameters as types.IceParameters,
      iceCandidates: options.iceCandidates as types.IceCandidate[],
      dtlsParameters: options.dtlsParameters as types.DtlsParameters,
      // The deployment's TURN server with a credential the server just issued: media gets through networks that block UDP.
      ...(options.iceServers ? { iceServers: options.iceServers } : {}),
    };
    // Without this, Chromium runs the transform's worker but sends frames around it, unencrypted.
    const withTransforms = { ...params, additionalSettings: { encodedInsertableStreams: true } as RTCConfiguration };
    const transport = direction === 'send' ? device.createSendTransport(withTransforms) : device.createRecvTransport(withTransforms);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      request(this.socket, 'room:connect-transport', { transportId: transport.id, dtlsParameters }).then(
        () => callback(),
        (error: Error) => errback(error),
      );
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        // A screen names its source; the microphone and camera go by their kind.
        const source = ProducerSource.safeParse(appData.source).data;
        request(this.socket, 'room:produce', { transportId: transport.id, kind, rtpParameters, ...(source ? { source } : {}) }).then(
          ({ producerId }) => callback({ id: producerId }),
          (error: Error) => errback(error),
        );
      });
    }
    transport.on('connectionstatechange', (state) => {
      this.#state[direction] = state;
      this.#recovery.stateChanged(transport.id, state);
      this.#reportState();
    });
    this.#recovery.watch(transport);
    return transport;
  }

  /** New ICE credentials from the SFU for one of our transports; the browser finds the path with them. */
  async #restartIce(watched: WatchedTransport): Promise<void> {
    const transport = watched.id === this.#send?.id ? this.#send : watched.id === this.#recv?.id ? this.#recv : undefined;
    if (this.#closed || !transport || transport.closed) return;
    const { iceParameters } = await request(this.socket, 'room:restart-ice', { transportId: transport.id });
    await transport.restartIce({ iceParameters: iceParameters as types.IceParameters });
  }

  #reportState(): void {
    if (this.#closed) return;
    const states = Object.values(this.#state);
    // Restarts that did not bring the path back: the page offers a rejoin. Until then a failed path is being recovered.
    if (this.#recovery.gaveUp) this.events.onConnectionState('failed');
    else if (this.#recovery.recovering || states.includes('failed') || states.includes('disconnected')) this.events.onConnectionState('reconnecting');
    else if (states.every((s) => s === 'connected' || s === 'new') && states.includes('connected')) {
      this.events.onConnectionState('connected');
    }
  }

  #listen(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = subscribe(this.socket, {
      // Set up side by side (mediasoup-client negotiates those that arrive together at once); each answer starts its consumer.
      'room:consume': (message, answer) => {
        const answered = this.#consume(message).then(
          () => answer({ ok: true, data: {} }),
          (error: unknown) => answer({ ok: false, error: { code: 'unavailable', message: error instanceof Error ? error.message : 'could not consume' } }),
        );
        this.#answering.add(answered);
      },
      'room:entered': (joined) => {
        this.#entered = joined;
        this.events.onEntered();
      },
      'room:consumer-closed': ({ consumerId }) => {
        const entry = this.#consumers.get(consumerId);
        this.#reoffer.closed(consumerId, entry?.peerId);
        if (!entry) return;
        this.#consumers.delete(consumerId);
        this.#toldViews.delete(consumerId);
        entry.consumer.close();
        this.events.onTrackEnded(entry.peerId, entry.source);
      },
      'room:peer-joined': (peer) => this.#peerJoined(peer),
      'room:peer-left': ({ peerId }) => {
        this.#known.delete(peerId);
        for (const [id, entry] of this.#consumers) {
          if (entry.peerId === peerId) {
            entry.consumer.close();
            this.#consumers.delete(id);
            this.#toldViews.delete(id);
          }
        }
        this.events.onPeerLeft(peerId);
        // Left, or removed by the host: either way their leaves are now to be removed from the group.
        this.e2ee.peerLeft(peerId);
      },
      'room:closed': ({ reason }) => {
        this.close();
        this.events.onClosed(reason);
      },
      'room:media-moved': ({ routerRtpCapabilities }) => this.#queueMove(routerRtpCapabilities as RtpCapabilities),
    });
  }

  /**
   * Moves run one at a time, each after the media being made now (the first
   * preparation, or the last move) is done: a move said again while one runs
   * is coalesced into one more, the newest. However often a server says it,
   * the page holds at most one set of transports and one being made.
   */
  #queueMove(routerRtpCapabilities: RtpCapabilities): void {
    this.#nextMove = routerRtpCapabilities;
    if (this.#moving) return;
    this.#moving = (async () => {
      while (this.#nextMove && !this.#closed) {
        const next = this.#nextMove;
        this.#nextMove = undefined;
        await this.#mediaReady?.catch(() => undefined);
        try {
          await this.#mediaMoved(next);
        } catch {
          // Could not make our media again there: the page offers a rejoin, as when ICE recovery gives up.
          if (!this.#closed) this.events.onConnectionState('failed');
        }
      }
    })().finally(() => (this.#moving = undefined));
  }

  /**
   * Our media moved to another media node (the one it was on drains, or died):
   * everything we had there goes (the others' tracks end here until their
   * consumers come again; our producers go with their transport) and is made
   * again on the new node as when we prepared, with the same tracks, the same
   * E2EE session and keys, and our seat unchanged. A screen being shared is
   * shared again from the same capture.
   */
  async #mediaMoved(routerRtpCapabilities: RtpCapabilities): Promise<void> {
    const visit = this.#visit;
    const prepared = this.#prepared;
    if (this.#closed || !visit || !prepared) return;
    const screen = this.#screen;
    this.#screen = undefined;
    if (screen) this.#watch.stopped('screen');
    for (const { peerId, source } of this.#consumers.values()) this.events.onTrackEnded(peerId, source);
    this.#consumers.clear();
    this.#toldViews.clear();
    for (const kind of this.#producers.keys()) this.#watch.stopped(kind);
    this.#watched.clear();
    this.#producers.clear();
    for (const transport of [this.#send, this.#recv]) {
      if (!transport) continue;
      this.#recovery.forget(transport.id);
      transport.close();
    }
    this.#send = undefined;
    this.#recv = undefined;
    this.#state = { send: 'new', recv: 'new' };
    this.events.onConnectionState('reconnecting');
    const peer = await prepared;
    this.#mediaReady = this.#prepareMedia({ ...peer, routerRtpCapabilities }, visit, this.#inRoom && (this.e2ee.state === 'encrypted' || this.e2ee.state === 'verified'));
    await this.#mediaReady;
    if (this.#closed || !this.#inRoom) return;
    this.#applySending();
    const track = screen?.producer.track;
    if (track && track.readyState === 'live') {
      await this.shareScreen(track).catch(() => {
        track.stop();
        this.events.onScreenShareEnded('ended');
      });
    }
  }

  /** Someone is in the room (already there when we joined, or a newcomer): the group may hold their keys from now on. */
  #peerJoined(peer: PeerView): void {
    this.e2ee.peerPresent(peer.peerId);
    this.events.onPeerJoined(peer);
    if (this.#known.has(peer.peerId)) return;
    this.#known.add(peer.peerId);
    // Their media may have come before we heard of them (the server starts it as they enter).
    for (const { consumer, peerId, source } of this.#consumers.values()) if (peerId === peer.peerId) this.events.onTrack(peerId, consumer.track, source);
  }

  /**
   * The server offers again whatever we lack (consumers it closed for want of our answer). False when it did not
   * take the ask but may later: its request budget was spent, or no answer came.
   */
  async #readyAgain(): Promise<boolean> {
    if (this.#closed || !this.#recv || !this.#recvCapabilities) return true;
    try {
      await request(this.socket, 'room:ready', { rtpCapabilities: this.#recvCapabilities });
      return true;
    } catch (error) {
      return !(error instanceof ApiError && (error.code === 'rate_limited' || error.code === 'network'));
    }
  }

  async #consume(message: NewConsumer): Promise<void> {
    if (!this.#recv || this.#closed) throw new Error('not receiving');
    this.#reoffer.asked(message.consumerId, message.peerId);
    let consumer: types.Consumer;
    try {
      consumer = await this.#gathering.consume(this.#recv, {
        id: message.consumerId,
        producerId: message.producerId,
        kind: message.kind,
        rtpParameters: message.rtpParameters as types.RtpParameters,
        // Before the answer is made: no frame reaches the decoder except through the decrypting transform.
        onRtpReceiver: (receiver) => this.e2ee.attachReceiver(receiver, message.kind, message.consumerId),
      });
    } catch (error) {
      this.#reoffer.settled(message.consumerId);
      throw error;
    }
    // Closed by the server while we set it up (it stopped waiting for our answer): it is being offered again.
    const stillWanted = this.#reoffer.settled(message.consumerId);
    if (this.#closed || !stillWanted) {
      consumer.close();
      throw new Error(this.#closed ? 'left the room' : 'closed by the server meanwhile');
    }
    this.#consumers.set(consumer.id, { consumer, peerId: message.peerId, source: message.source });
    if (this.#known.has(message.peerId)) this.events.onTrack(message.peerId, consumer.track, message.source);
  }
}
