import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMail } from './mail.js';

// createMail only chooses; nothing here touches Redis or a network.
const redis = {} as Redis;
const log = pino({ level: 'silent' });
const from = { name: 'CARE ASN', address: 'no-reply@care.test' };

describe('createMail', () => {
  it('sends through SMTP when SMTP_URL is set', () => {
    const mail = createMail({ SMTP_URL: 'smtp://127.0.0.1:2525', MAIL_FROM: from, NODE_ENV: 'production' }, redis, log);
    expect(mail.mailer?.kind).toBe('smtp');
    expect(mail.outbox).toBeNull();
  });

  it('keeps mail in the dev outbox without SMTP_URL outside production', () => {
    for (const NODE_ENV of ['development', 'test'] as const) {
      const mail = createMail({ SMTP_URL: undefined, MAIL_FROM: from, NODE_ENV }, redis, log);
      expect(mail.mailer?.kind).toBe('dev-outbox');
      expect(mail.outbox).toBe(mail.mailer);
    }
  });

  it('sends no email at all in production without SMTP_URL: no outbox there', () => {
    const mail = createMail({ SMTP_URL: undefined, MAIL_FROM: from, NODE_ENV: 'production' }, redis, log);
    expect(mail.mailer).toBeNull();
    expect(mail.outbox).toBeNull();
  });
});
