import type { MailMessage, MailRecipient } from '../mail/mailer.js';

/**
 * The reset email. Neutral like every other message: the programme's name,
 * the link and how long it works — no name, nothing about counseling.
 * Indonesian first, then English, because whoever asked may not be the
 * account's owner, and nothing about the account (its language) is used.
 */
export function passwordResetMail(to: MailRecipient, link: string, validMinutes: number): MailMessage {
  return {
    to,
    subject: 'Atur ulang kata sandi CARE ASN / CARE ASN password reset',
    text: [
      'Ada permintaan untuk mengatur ulang kata sandi akun CARE ASN dengan alamat email ini.',
      'Buka tautan ini untuk memilih kata sandi baru:',
      link,
      `Tautan berlaku ${validMinutes} menit dan hanya dapat dipakai sekali. Setelah kata sandi diganti, akun ini keluar dari semua perangkat.`,
      'Jika Anda tidak memintanya, abaikan email ini: kata sandi Anda tetap sama.',
      '',
      'Someone asked to reset the password of the CARE ASN account with this email address.',
      `Open the link above to choose a new password; it works once, for ${validMinutes} minutes, and then signs the account out everywhere.`,
      'If you did not ask for this, ignore this email: your password stays the same.',
    ].join('\n'),
  };
}
