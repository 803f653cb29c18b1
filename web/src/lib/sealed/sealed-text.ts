import { SealError } from './seal-error.js';

/*
 * A sealed piece as text, to go in a JSON body or a file: base64url without
 * padding (the alphabet the server's schema checks). Sealed pieces are a few
 * kB, so building the string through String.fromCharCode is fine.
 */

export function sealedToText(sealed: Uint8Array): string {
  let binary = '';
  for (const byte of sealed) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function sealedFromText(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new SealError('malformed', 'not base64url text');
  const padded = text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4);
  let binary: string;
  try {
    binary = atob(padded);
  } catch {
    throw new SealError('malformed', 'not base64url text');
  }
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
