import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import { DevInviteDelivery, type InviteDelivery, type InviteMessage } from './invite-delivery.js';

/**
 * Invite links by email. The invitee has no account (and so no language
 * setting) yet, so the message is in Indonesian with English below, and
 * neutral: it names the programme, not counseling topics or the inviter.
 */
export class MailInviteDelivery implements InviteDelivery {
  constructor(private readonly mailer: Mailer) {}

  async deliver(message: InviteMessage): Promise<void> {
    const until = message.expiresAt.toISOString().slice(0, 16).replace('T', ' ');
    await this.mailer.send({
      // Invitees are not users yet: the outbox and logs know them by the invite's id.
      to: { userId: `invite:${message.inviteId}`, address: message.email },
      subject: 'Undangan CARE ASN / CARE ASN invitation',
      text: [
        `Yth. ${message.displayName},`,
        '',
        'Anda diundang untuk membuat akun CARE ASN. Buka tautan ini untuk memilih kata sandi:',
        message.link,
        `Tautan berlaku sampai ${until} UTC dan hanya dapat dipakai sekali.`,
        '',
        'You are invited to create a CARE ASN account. Open the link above to choose a password;',
        `it works once, until ${until} UTC.`,
      ].join('\n'),
    });
  }
}

/** Refuses to invite when no email can go out: a link must never travel through an admin's screen in production. */
class NoInviteDelivery implements InviteDelivery {
  deliver(): Promise<void> {
    return Promise.reject(new AppError('unavailable', 'Email is not configured (SMTP_URL), so invitations cannot be sent.'));
  }
}

/** SMTP when configured; in development without it, the links are kept for the admin page to copy. */
export function inviteDeliveryFor(config: Pick<Config, 'SMTP_URL' | 'NODE_ENV'>, mailer: Mailer | null, log: Logger): InviteDelivery {
  if (config.SMTP_URL && mailer) return new MailInviteDelivery(mailer);
  if (config.NODE_ENV === 'production') return new NoInviteDelivery();
  return new DevInviteDelivery(log);
}
