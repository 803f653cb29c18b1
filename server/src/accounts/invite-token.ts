import { createHash, randomBytes } from 'node:crypto';

/** A fresh invite token: 32 random bytes, base64url (the link carries it; the database only its hash). */
export function newInviteToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashInviteToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
