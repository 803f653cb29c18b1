import type { InvitedRole } from '@care/shared';
import type { Logger } from 'pino';

export interface InviteMessage {
  inviteId: string;
  email: string;
  displayName: string;
  role: InvitedRole;
  /** The whole link with its token: a credential until it is used or expires. */
  link: string;
  expiresAt: Date;
}

/**
 * How an invite link reaches the invitee. Production sends it by email (the
 * mail module plugs in here); the link is never shown to the admin there.
 */
export interface InviteDelivery {
  deliver(message: InviteMessage): Promise<void>;
  /** Development only: the link last delivered for this invite, for "copy invite link". */
  linkFor?(inviteId: string): string | undefined;
}

const KEEP_LINKS = 2000;

/**
 * Development delivery: keeps the latest links in this process's memory so
 * the admin page can offer "copy invite link", and logs only the invite's id
 * (never the address, the name or the link).
 */
export class DevInviteDelivery implements InviteDelivery {
  readonly #links = new Map<string, string>();

  constructor(private readonly log: Logger) {}

  async deliver(message: InviteMessage): Promise<void> {
    this.#links.delete(message.inviteId);
    this.#links.set(message.inviteId, message.link);
    // A Map iterates in insertion order: drop the oldest beyond the cap.
    for (const oldest of this.#links.keys()) {
      if (this.#links.size <= KEEP_LINKS) break;
      this.#links.delete(oldest);
    }
    this.log.info({ inviteId: message.inviteId }, 'invite ready (development delivery: link kept for the admin page)');
  }

  linkFor(inviteId: string): string | undefined {
    return this.#links.get(inviteId);
  }
}
