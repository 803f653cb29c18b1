import type { Logger } from 'pino';
import { MailSendError, type Mailer, type MailRecipient } from '../mail/mailer.js';

/**
 * The invitation a referred ASN receives: neutral (no reason, no unit, no
 * word of performance or conduct — an inbox may be read over a shoulder),
 * voluntary, and plain about what the referrer will and will not learn. The
 * reason and unit are shown only after signing in. Indonesian first,
 * English below (the same text the app shows).
 */
export class ReferralInvitation {
  constructor(
    private readonly mailer: Mailer | null,
    private readonly appUrl: () => string,
    private readonly log: Logger,
  ) {}

  /** Fire and forget: the caller's answer must not wait on (or time) the mail. */
  send(to: MailRecipient, referralId: string): void {
    if (!this.mailer) return;
    const link = `${this.appUrl()}/rujukan`;
    this.mailer
      .send({
        to,
        subject: 'Undangan layanan CARE ASN / CARE ASN invitation',
        text: [
          'Yth. Bapak/Ibu,',
          '',
          'Anda diundang untuk memakai layanan konseling CARE ASN. Undangan ini sukarela: Anda bebas menerimanya atau tidak,',
          'dan keputusan Anda tidak memengaruhi penilaian kerja Anda.',
          '',
          'Yang dapat diketahui pihak yang merujuk: hanya apakah Anda menerima undangan ini atau menariknya kembali, dan — hanya',
          'jika Anda izinkan secara terpisah — apakah Anda hadir (ya/tidak). Mereka tidak pernah mengetahui isi percakapan,',
          'konselor Anda, jadwal, jumlah sesi, hasil pemeriksaan diri, atau rencana Anda. Anda dapat menarik izin kapan saja.',
          '',
          `Masuk ke CARE ASN untuk melihat dan menjawab undangan: ${link}`,
          '',
          'You are invited to use CARE ASN counseling. It is voluntary: you are free to take it up or not, and your choice',
          'has no bearing on your work appraisal. The referrer learns only whether you took it up or withdrew, and — only',
          'if you allow it separately — whether you attended (yes/no). Never what you talk about, your counselor, dates, the',
          'number of sessions, check-ins or your plan. You can withdraw consent at any time. Sign in to answer: ' + link,
        ].join('\n'),
      })
      .catch((error: unknown) =>
        // The error's text may hold the address (an SMTP answer): only its code is logged.
        this.log.warn({ referralId, responseCode: error instanceof MailSendError ? error.responseCode : null }, 'referral invitation not sent'),
      );
  }
}
