import { describe, expect, it } from 'vitest';
import { passwordResetMail } from './password-reset-mail.js';

describe('the password reset email', () => {
  it('is neutral, Indonesian first, and carries the link and its lifetime', () => {
    const link = 'https://care.example.go.id/reset-password/abc';
    const mail = passwordResetMail({ userId: 'u1', address: 'budi@example.go.id' }, link, 60);
    expect(mail.to.address).toBe('budi@example.go.id');
    expect(mail.subject).toBe('Atur ulang kata sandi CARE ASN / CARE ASN password reset');
    expect(mail.text).toContain(link);
    expect(mail.text.indexOf('Tautan berlaku 60 menit')).toBeLessThan(mail.text.indexOf('for 60 minutes'));
    expect(mail.text).not.toMatch(/konsel|counsel|budi/i);
  });
});
