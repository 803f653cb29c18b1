import nodemailer, { type Transporter } from 'nodemailer';
import { MailSendError, type Mailer, type MailMessage } from './mailer.js';

/** Connection failures in which no byte of the message can have reached a server. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

interface NodemailerError extends Error {
  code?: string;
  originalCode?: string;
  responseCode?: number;
}

/** Reads a nodemailer failure as "certainly not delivered, try later" or not. */
export function toMailSendError(error: unknown): MailSendError {
  const e = (error instanceof Error ? error : new Error(String(error))) as NodemailerError;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  const refusedForNow = responseCode !== null && responseCode >= 400 && responseCode < 500;
  const neverConnected = e.code === 'EDNS' || NOT_CONNECTED.has(e.originalCode ?? '') || NOT_CONNECTED.has(e.code ?? '');
  // The server's answer can carry the recipient address: only the code goes into the message.
  const what = responseCode !== null ? `SMTP answered ${responseCode}` : `SMTP failed (${e.code ?? 'unknown'})`;
  return new MailSendError(what, refusedForNow || neverConnected, responseCode);
}

/**
 * The transport options for SMTP_URL. With `requireTls` (production) mail
 * goes only over TLS with a verified certificate: smtps:// from the first
 * byte, or smtp:// upgraded by STARTTLS, which is then required — a server
 * that does not offer it gets no message (and no password). The URL's own
 * query options are read after these, which is why production refuses the
 * ones that would weaken TLS (config.ts).
 */
export function smtpTransportOptions(smtpUrl: string, requireTls: boolean) {
  return {
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // nodemailer's own logging would print addresses and headers.
    logger: false,
    ...(requireTls ? { requireTLS: true, ignoreTLS: false, tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2' as const } } : {}),
  };
}

/**
 * Email through the deployment's SMTP server (SMTP_URL). One connection per
 * message: reminders are few and spread out, and a pooled connection that
 * went stale is one more way for a send to fail halfway.
 */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  readonly #transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: { name: string; address: string },
    options: { requireTls: boolean },
  ) {
    this.#transport = nodemailer.createTransport(smtpTransportOptions(smtpUrl, options.requireTls));
  }

  async send(message: MailMessage): Promise<void> {
    const calendar = message.calendar;
    try {
      await this.#transport.sendMail({
        from: { name: this.from.name, address: this.from.address },
        to: message.to.address,
        subject: message.subject,
        text: message.text,
        headers: { 'Auto-Submitted': 'auto-generated' },
        ...(calendar
          ? {
              // The text/calendar alternative is what mail clients turn into "add to calendar";
              // the attachment is for the ones that only offer files.
              icalEvent: { method: calendar.method, filename: calendar.filename, content: calendar.content },
              attachments: [{ filename: calendar.filename, content: calendar.content, contentType: `application/ics; method=${calendar.method}` }],
            }
          : {}),
      });
    } catch (error) {
      throw toMailSendError(error);
    }
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}
