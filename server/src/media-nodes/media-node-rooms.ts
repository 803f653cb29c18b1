import { MediaError, type HostPipeReceiver, type HostPipeSender, type LocalMediaRooms, type LocalRoomMedia } from '@care/media';
import type { ControlOperation, ControlReply, ControlRequest } from '@care/shared';
import type { types as ms } from 'mediasoup';
import type { Logger } from 'pino';
import type { ControlHandler, SignalLink } from './control-server.js';
import { NodePipes } from './node-pipes.js';

/**
 * A media node's rooms as its signal nodes drive them (CARE_ROLE=media): each
 * control request is one call of the seam on the local rooms. Every room
 * object gets an instance number, so an event of a room closed and opened
 * again under the same id is never taken for the new one's. A consumer's
 * events go to the signal node that added its receiver; a room's speaker
 * and its closing go to every signal node that opened it. A signal node
 * that goes away takes its peers with it (its people reconnect elsewhere).
 */
export class MediaNodeRooms implements ControlHandler {
  readonly #instances = new WeakMap<LocalRoomMedia, number>();
  #nextInstance = 1;
  /** Which signal nodes opened each room. */
  readonly #openedBy = new Map<string, Set<SignalLink>>();
  /** Which signal node added each peer, and to which room. */
  readonly #peers = new Map<string, { link: SignalLink; roomId: string }>();
  #draining = false;
  /** This node's ends of the pipes to and from other media nodes (a room spanning nodes). */
  readonly #pipes: NodePipes;

  constructor(
    private readonly rooms: LocalMediaRooms,
    private readonly log: Logger,
    pipes: { nodeId: string; sender: HostPipeSender; receiver: HostPipeReceiver },
    /** Tests only (MEDIA_TEST_PLAIN_INGRESS): where `plainSend` transports listen; undefined refuses them. */
    private readonly plainIngressIp?: string,
  ) {
    this.#pipes = new NodePipes(pipes.nodeId, pipes.sender, pipes.receiver, (roomId) => this.rooms.get(roomId), log.child({ component: 'node-pipes' }));
  }

  /** No new room opens here from now on; the open ones carry on until they are moved off or end. */
  drain(): void {
    this.#draining = true;
  }

  /** Tells every signal node with a room here that this node drains (the registry says so already): they move their rooms off. */
  announceDraining(): void {
    const links = new Set([...this.#openedBy.values()].flatMap((opened) => [...opened]));
    for (const link of links) link.push({ type: 'event', event: 'draining' });
  }

  get size(): number {
    return this.rooms.size;
  }

  /** Pipes to and from other media nodes open now. */
  get pipes(): { outbound: number; inbound: number } {
    return this.#pipes.size;
  }

  async handle(link: SignalLink, { id, call }: ControlRequest): Promise<ControlReply> {
    try {
      return { type: 'reply', id, ok: true, result: (await this.#run(link, call)) ?? {} };
    } catch (error) {
      if (error instanceof MediaError) return { type: 'reply', id, ok: false, error: { code: error.code, message: error.message.slice(0, 500) } };
      this.log.warn({ err: error, op: call.op }, 'control request failed');
      return { type: 'reply', id, ok: false, error: { code: 'unavailable', message: 'the media node could not do that' } };
    }
  }

  linkClosed(link: SignalLink): void {
    const emptied = new Set<string>();
    for (const [peerId, owner] of [...this.#peers]) {
      if (owner.link !== link) continue;
      this.#peers.delete(peerId);
      this.rooms.get(owner.roomId)?.removePeer(peerId);
      emptied.add(owner.roomId);
    }
    for (const [roomId, links] of this.#openedBy) {
      links.delete(link);
      if (links.size === 0) emptied.add(roomId);
    }
    for (const roomId of emptied) this.rooms.releaseIfEmpty(roomId);
    this.#pipes.linkClosed(link);
    this.log.info({ linkId: link.id, rooms: emptied.size }, 'signal node gone; its peers left');
  }

  async #run(link: SignalLink, call: ControlOperation): Promise<object | void> {
    switch (call.op) {
      case 'ping':
        return undefined;
      case 'open':
        return this.#open(link, call.roomId, call.shape);
      case 'release':
        this.rooms.releaseIfEmpty(call.roomId);
        return { closed: this.rooms.get(call.roomId) === undefined };
      case 'addPeer': {
        const room = this.#room(call.roomId);
        if (this.#peers.has(call.peerId)) throw new MediaError('invalid_state', 'that peer is in a room already');
        await room.addPeer(call.peerId, { held: call.held });
        this.#peers.set(call.peerId, { link, roomId: call.roomId });
        return undefined;
      }
      case 'removePeer':
        this.#peerRoom(link, call.roomId, call.peerId).removePeer(call.peerId);
        this.#peers.delete(call.peerId);
        return undefined;
      case 'admit':
        return this.#peerRoom(link, call.roomId, call.peerId).admit(call.peerId);
      case 'createTransport':
        return this.#peerRoom(link, call.roomId, call.peerId).createTransport(call.peerId, call.direction);
      case 'connectTransport':
        return this.#peerRoom(link, call.roomId, call.peerId).connectTransport(call.peerId, call.transportId, call.dtlsParameters as ms.DtlsParameters);
      case 'produce':
        return this.#peerRoom(link, call.roomId, call.peerId).produce(
          call.peerId,
          call.transportId,
          call.kind,
          call.rtpParameters as ms.RtpParameters,
          call.source,
          call.paused,
        );
      case 'closeProducer':
        return { closed: await this.#peerRoom(link, call.roomId, call.peerId).closeProducer(call.peerId, call.source) };
      case 'setReady':
        return this.#peerRoom(link, call.roomId, call.peerId).setReady(call.peerId, call.rtpCapabilities as ms.RtpCapabilities);
      case 'setSending':
        return this.#peerRoom(link, call.roomId, call.peerId).setSending(call.peerId, call.send);
      case 'setReceive':
        return this.#peerRoom(link, call.roomId, call.peerId).setReceive(call.peerId, call.receive);
      case 'setVideoFocus':
        return this.#peerRoom(link, call.roomId, call.peerId).setVideoFocus(call.peerId, call.focus);
      case 'setConsumerView':
        return this.#peerRoom(link, call.roomId, call.peerId).setConsumerView(call.peerId, call.consumerId, call.spatialLayer, call.visible);
      case 'consumerReady':
        return this.#peerRoom(link, call.roomId, call.peerId).consumerReady(call.peerId, call.consumerId);
      case 'closeConsumer':
        return this.#peerRoom(link, call.roomId, call.peerId).closeConsumer(call.peerId, call.consumerId);
      case 'requestKeyFrames':
        return this.#peerRoom(link, call.roomId, call.peerId).requestKeyFrames(call.peerId);
      case 'restartIce':
        return this.#peerRoom(link, call.roomId, call.peerId).restartIce(call.peerId, call.transportId);
      case 'plainSend':
        return this.#plainSend(this.#peerRoom(link, call.roomId, call.peerId), call.peerId);
      case 'farProducer': {
        // Only a room this signal node opened here, and a peer that is not one of this node's.
        if (!this.#openedBy.get(call.roomId)?.has(link)) throw new MediaError('not_found', 'that room is not open on this media node');
        if (this.#peers.has(call.peerId)) throw new MediaError('invalid_state', 'that peer is on this media node');
        return this.#pipes.farProducer(link, this.#room(call.roomId), call);
      }
      case 'farProducerClosed':
        if (!this.#openedBy.get(call.roomId)?.has(link)) throw new MediaError('not_found', 'that room is not open on this media node');
        this.#pipes.farProducerClosed(this.#room(call.roomId), call.producerId);
        return undefined;
      case 'farNodeLost':
        this.#pipes.farNodeLost(call.farNodeId);
        return undefined;
      case 'pipeOpen': {
        if (!this.#openedBy.get(call.roomId)?.has(link)) throw new MediaError('not_found', 'that room is not open on this media node');
        const producerId = typeof call.request.producerId === 'string' ? call.request.producerId : '';
        // The producer must be one of this room's, sent by a peer this signal node added.
        const found = [...this.#room(call.roomId).room.producers()].find(({ producer }) => producer.id === producerId);
        if (!found || this.#peers.get(found.peerId)?.link !== link) throw new MediaError('not_found', 'no such producer in this room');
        return this.#pipes.open(link, this.#room(call.roomId), found.peerId, found.producer, call.farNodeId, call.request);
      }
      case 'pipeConnect':
        await this.#pipes.connect(link, call.farNodeId, call.answer);
        return undefined;
      case 'pipeClose':
        this.#pipes.close(link, call.farNodeId, call.message);
        return undefined;
      case 'pipeMirror':
        await this.#pipes.mirror(link, call.farNodeId, call.message);
        return undefined;
      case 'pipeReply':
        this.#pipes.reply(link, call);
        return undefined;
      default: {
        const unknown: never = call;
        throw new MediaError('invalid_state', `unknown operation ${String((unknown as { op: unknown }).op)}`);
      }
    }
  }

  async #open(link: SignalLink, roomId: string, shape: 'pair' | 'group'): Promise<object> {
    // A draining node takes no new room, but its open rooms still take newcomers (a room finishes where it is).
    if (this.#draining && !this.rooms.get(roomId)) throw new MediaError('unavailable', 'this media node is draining');
    const room = await this.rooms.getOrCreate(roomId, shape);
    let instance = this.#instances.get(room);
    if (instance === undefined) {
      instance = this.#nextInstance++;
      this.#instances.set(room, instance);
      this.#follow(room, instance);
    }
    const links = this.#openedBy.get(roomId) ?? new Set<SignalLink>();
    links.add(link);
    this.#openedBy.set(roomId, links);
    return { instance, rtpCapabilities: room.rtpCapabilities };
  }

  /**
   * Tests only: a plain RTP send transport for a headless member (no WebRTC
   * stack), registered as the peer's own so its produce requests find it.
   */
  async #plainSend(media: LocalRoomMedia, peerId: string): Promise<object> {
    if (!this.plainIngressIp) throw new MediaError('invalid_state', 'plain RTP ingress is not enabled on this media node');
    const router = media.room.mediaRouterOf(peerId);
    if (!router) throw new MediaError('invalid_state', 'create the peer\'s transports first');
    const peer = media.room.peer(peerId);
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: this.plainIngressIp }, rtcpMux: true, comedia: true, appData: { peerId, direction: 'send' } });
    peer.transports.set(transport.id, transport as unknown as ms.WebRtcTransport);
    transport.observer.on('close', () => peer.transports.delete(transport.id));
    return { transportId: transport.id, ip: this.plainIngressIp, port: transport.tuple.localPort };
  }

  #follow(room: LocalRoomMedia, instance: number): void {
    const { id: roomId } = room;
    const ownerOf = (peerId: string) => this.#peers.get(peerId)?.link;
    room.on('consumer', (offer) => ownerOf(offer.peerId)?.push({ type: 'event', event: 'consumer', roomId, instance, ...offer }));
    room.on('consumerClosed', ({ peerId, consumerId }) => ownerOf(peerId)?.push({ type: 'event', event: 'consumerClosed', roomId, instance, peerId, consumerId }));
    room.on('activeSpeaker', ({ peerId }) => {
      for (const link of this.#openedBy.get(roomId) ?? []) link.push({ type: 'event', event: 'activeSpeaker', roomId, instance, peerId });
    });
    room.on('closed', (reason) => {
      for (const link of this.#openedBy.get(roomId) ?? []) link.push({ type: 'event', event: 'closed', roomId, instance, reason });
      this.#openedBy.delete(roomId);
      for (const [peerId, owner] of [...this.#peers]) if (owner.roomId === roomId) this.#peers.delete(peerId);
    });
  }

  #room(roomId: string): LocalRoomMedia {
    const room = this.rooms.get(roomId);
    if (!room) throw new MediaError('not_found', 'that room is not open on this media node');
    return room;
  }

  /** The room of a peer this signal node added; another node's peer is not found from here. */
  #peerRoom(link: SignalLink, roomId: string, peerId: string): LocalRoomMedia {
    const owner = this.#peers.get(peerId);
    if (!owner || owner.link !== link || owner.roomId !== roomId) throw new MediaError('not_found', 'not in this room');
    return this.#room(roomId);
  }
}
