import { describe, expect, it } from 'vitest';
import { smtpTransportOptions, toMailSendError } from './smtp-mailer.js';

const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error('failed: 451 4.3.0 <asn@example.go.id> try later'), fields);

describe('reading an SMTP failure', () => {
  it('retries only when the server certainly did not take the message', () => {
    expect(toMailSendError(smtpError({ code: 'EMESSAGE', responseCode: 451 })).retryable).toBe(true);
    expect(toMailSendError(smtpError({ code: 'ECONNECTION', originalCode: 'ECONNREFUSED' })).retryable).toBe(true);
    expect(toMailSendError(smtpError({ code: 'EDNS' })).retryable).toBe(true);
    // Refused for good: trying again changes nothing.
    expect(toMailSendError(smtpError({ code: 'EENVELOPE', responseCode: 550 })).retryable).toBe(false);
    // Cut off mid-conversation: it may have arrived, so no second copy.
    expect(toMailSendError(smtpError({ code: 'ESOCKET', originalCode: 'ECONNRESET' })).retryable).toBe(false);
    expect(toMailSendError(smtpError({ code: 'ETIMEDOUT' })).retryable).toBe(false);
  });

  it('keeps the server answer (which may hold an address) out of the message', () => {
    const error = toMailSendError(smtpError({ code: 'EMESSAGE', responseCode: 451 }));
    expect(error.message).toBe('SMTP answered 451');
    expect(error.responseCode).toBe(451);
  });
});

describe('SMTP transport options', () => {
  it('require STARTTLS with a verified certificate in production, and leave a test server alone otherwise', () => {
    const strict = smtpTransportOptions('smtp://mail.example.go.id:587', true);
    expect(strict).toMatchObject({ requireTLS: true, ignoreTLS: false, tls: { rejectUnauthorized: true } });
    const relaxed = smtpTransportOptions('smtp://127.0.0.1:2525', false);
    expect(relaxed).not.toHaveProperty('requireTLS');
    expect(relaxed.logger).toBe(false);
  });
});
