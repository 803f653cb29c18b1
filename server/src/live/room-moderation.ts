import type { FloorState, ModerationAction } from '@care/shared';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Notifier } from '../notifier.js';
import type { Admission } from './admission.js';
import type { LiveMedia } from './live-media.js';
import type { LivePeer } from './live-peer.js';
import type { LiveRooms } from './live-rooms.js';
import type { ScreenShares } from './screen-shares.js';
import type { SessionFloor } from './session-floor.js';

/**
 * The floor of a session: raised hands in order, and what the host may do —
 * switch someone's microphone or camera off (never on), lower a hand, remove
 * someone (the others' browsers then re-key the MLS group without them),
 * allow someone to share their screen or withdraw it, lock the room to
 * newcomers, and end it for all.
 */
export class RoomModeration {
  constructor(
    private readonly rooms: LiveRooms,
    private readonly media: LiveMedia,
    private readonly admission: Admission,
    private readonly floor: SessionFloor,
    private readonly shares: Pick<ScreenShares, 'decide'>,
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {}

  /**
   * The floor as the people in the room see it: hands by peer id, of those
   * present. Someone whose connection dropped keeps their hand, hidden until
   * they are back.
   */
  async #floorOf(sessionId: string, roomId: string): Promise<FloorState> {
    const { locked, handsByUser } = await this.floor.state(sessionId);
    const present = this.rooms.peersIn(roomId);
    const hands = handsByUser.flatMap((userId) => present.filter((p) => p.user.id === userId).map((p) => p.peerId));
    return { locked, hands };
  }

  /** Someone (re)entered: the floor for them, and the others' floor again when a hand they kept comes back with them. */
  async peerJoined(connectionId: string): Promise<FloorState> {
    const peer = this.rooms.peerOf(connectionId);
    const floor = await this.#floorOf(peer.sessionId, peer.roomId);
    return floor.hands.includes(peer.peerId) ? this.#broadcastFloor(peer) : floor;
  }

  async raiseHand(connectionId: string, raised: boolean): Promise<FloorState> {
    const peer = this.rooms.peerOf(connectionId);
    await this.floor.setHand(peer.sessionId, peer.user.id, raised);
    return this.#broadcastFloor(peer);
  }

  async moderate(connectionId: string, targetPeerId: string, action: ModerationAction): Promise<void> {
    const host = this.#host(connectionId);
    const target = this.#other(host, targetPeerId, 'Use your own controls for your microphone and camera.');
    switch (action) {
      case 'mute':
        await this.media.switchOff(target, 'audio');
        break;
      case 'stop-video':
        await this.media.switchOff(target, 'video');
        break;
      case 'lower-hand':
        await this.floor.setHand(host.sessionId, target.user.id, false);
        await this.#broadcastFloor(host);
        break;
      case 'remove':
        await this.#remove(host, target);
        break;
    }
    this.log.info({ roomId: host.roomId, peerId: target.peerId, action }, 'host moderated');
  }

  /**
   * The host lets someone share their screen, or withdraws it: everyone is
   * told, and a share under way is closed at the SFU at once.
   */
  async allowShare(connectionId: string, targetPeerId: string, allowed: boolean): Promise<void> {
    const host = this.#host(connectionId);
    const target = this.#other(host, targetPeerId, 'The host always may share their own screen.');
    this.shares.decide(target, allowed);
    if (!allowed) await this.media.stopShareOf(target);
    this.log.info({ roomId: host.roomId, peerId: target.peerId, allowed }, 'host decided a screen share');
  }

  async muteAll(connectionId: string): Promise<number> {
    const host = this.#host(connectionId);
    let muted = 0;
    for (const peer of this.rooms.peersIn(host.roomId)) {
      if (peer !== host && (await this.media.switchOff(peer, 'audio'))) muted++;
    }
    this.log.info({ roomId: host.roomId, muted }, 'host muted everyone');
    return muted;
  }

  async lock(connectionId: string, locked: boolean): Promise<FloorState> {
    const host = this.#host(connectionId);
    if (locked) await this.admission.lockLobby(host.sessionId);
    else await this.floor.setLocked(host.sessionId, false);
    return this.#broadcastFloor(host);
  }

  /** Ends the session for everyone; nobody can come back into it. */
  async end(connectionId: string): Promise<void> {
    const host = this.#host(connectionId);
    await this.admission.endSession(host.sessionId);
    for (const peer of this.rooms.peersIn(host.roomId)) {
      this.notifier.toConnection(peer.connectionId, 'room:closed', { reason: 'ended' });
      await this.rooms.leave(peer.connectionId, 'left');
    }
    this.log.info({ roomId: host.roomId }, 'host ended the session');
  }

  /**
   * Someone left. Leaving on purpose (or being removed) takes their hand
   * down; a dropped connection or a rejoin keeps it, in its place, for when
   * they are back.
   */
  async peerLeft(peer: LivePeer, keepsPlace: boolean): Promise<void> {
    const { handsByUser } = await this.floor.state(peer.sessionId);
    if (!handsByUser.includes(peer.user.id)) return;
    if (!keepsPlace) await this.floor.setHand(peer.sessionId, peer.user.id, false);
    await this.#broadcastFloor(peer);
  }

  async #remove(host: LivePeer, target: LivePeer): Promise<void> {
    await this.admission.bar(host.sessionId, target.user.id);
    this.notifier.toConnection(target.connectionId, 'room:closed', { reason: 'removed' });
    // Leaving tells the others 'removed'; the lowest remaining MLS leaf commits the Remove at once.
    await this.rooms.leave(target.connectionId, 'removed');
  }

  /** Someone else in the host's room. */
  #other(host: LivePeer, targetPeerId: string, selfMessage: string): LivePeer {
    const target = this.rooms.peerById(targetPeerId);
    if (!target || target.roomId !== host.roomId) throw new AppError('not_found', 'That person is not in this session.');
    if (target === host) throw new AppError('invalid_payload', selfMessage);
    return target;
  }

  #host(connectionId: string): LivePeer {
    const peer = this.rooms.peerOf(connectionId);
    if (!peer.host) throw new AppError('forbidden', 'Only the facilitator can do this.');
    return peer;
  }

  async #broadcastFloor(peer: LivePeer): Promise<FloorState> {
    const state = await this.#floorOf(peer.sessionId, peer.roomId);
    for (const other of this.rooms.peersIn(peer.roomId)) this.notifier.toConnection(other.connectionId, 'room:floor', state);
    return state;
  }
}
