/** Someone the platform writes to: their account (for the dev outbox and logs) and their address. */
export interface MailRecipient {
  userId: string;
  address: string;
}

/** A calendar object sent with a message: as the text/calendar part mail clients act on, and as an .ics attachment. */
export interface MailCalendar {
  method: 'REQUEST' | 'CANCEL';
  filename: string;
  content: string;
}

export interface MailMessage {
  to: MailRecipient;
  subject: string;
  text: string;
  calendar?: MailCalendar;
}

/**
 * Why a message did not go out. `retryable` only when the server clearly did
 * not take it (a temporary 4xx answer, or no connection at all): a failure
 * in the middle of a conversation may still have delivered it, and sending
 * again could make it arrive twice.
 */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';

  constructor(
    message: string,
    readonly retryable: boolean,
    /** The SMTP answer's code, when there was one. */
    readonly responseCode: number | null,
  ) {
    super(message);
  }
}

/** Where the platform's email goes: an SMTP server, or the dev outbox. */
export interface Mailer {
  readonly kind: 'smtp' | 'dev-outbox';
  /** Resolves once the message is accepted; rejects with MailSendError. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
