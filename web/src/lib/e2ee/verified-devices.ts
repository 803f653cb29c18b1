/*
 * Which device of each person this person has verified: after both compared
 * the safety code in a 1:1 session, the other's device signing key is
 * remembered here (IndexedDB, this browser only, per signed-in account), so
 * the next session with that same device shows "verified" without reading the
 * code again — and a different device (a new phone, or someone else) shows
 * that it changed. Only a hash of a public key is kept: nothing secret, no name.
 */

import { BrowserStore } from './browser-store.js';

const store = new BrowserStore('care-asn-verified-devices', 'devices');

/** SHA-256 of a signature public key, in hex: what is compared and kept. */
export async function deviceFingerprint(signaturePublicKey: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', signaturePublicKey.slice()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

const keyOf = (ownerId: string, otherUserId: string) => `${ownerId}:${otherUserId}`;

/** The fingerprint `ownerId` verified for `otherUserId`, if any (undefined too when storage is unavailable). */
export async function verifiedDevice(ownerId: string, otherUserId: string): Promise<string | undefined> {
  try {
    const stored = await store.get(keyOf(ownerId, otherUserId));
    return typeof stored === 'string' ? stored : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers that `ownerId` verified this device of `otherUserId` (the last one verified counts). */
export async function rememberVerifiedDevice(ownerId: string, otherUserId: string, fingerprint: string): Promise<void> {
  await store.put(keyOf(ownerId, otherUserId), fingerprint).catch(() => undefined);
}
