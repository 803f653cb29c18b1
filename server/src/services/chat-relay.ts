import type { ChatSend } from '@care/shared';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';
import type { LiveRoomService } from './live-room-service.js';
import type { Notifier } from './room-notifier.js';

/**
 * Passes chat lines to the others in the room and forgets them. Nothing here
 * stores, logs or counts message text. Each connection may send a burst of 10
 * lines and then about one a second.
 */
export class ChatRelay {
  readonly #limiter = new RateLimiterMemory({ points: 10, duration: 10 });

  constructor(
    private readonly rooms: LiveRoomService,
    private readonly notifier: Notifier,
  ) {}

  async send(connectionId: string, message: ChatSend): Promise<{ sentAt: string }> {
    const sender = this.rooms.peerOf(connectionId);
    try {
      await this.#limiter.consume(connectionId);
    } catch {
      throw new AppError('rate_limited', 'You are sending messages very quickly. Please wait a moment.');
    }
    const sentAt = new Date().toISOString();
    for (const peer of this.rooms.peersIn(sender.roomId)) {
      if (peer.connectionId === connectionId) continue;
      this.notifier.toConnection(peer.connectionId, 'chat:message', {
        clientMessageId: message.clientMessageId,
        fromPeerId: sender.peerId,
        text: message.text,
        sentAt,
      });
    }
    return { sentAt };
  }
}
