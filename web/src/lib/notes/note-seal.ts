import { passphraseCheckContext, privateNoteContext } from '@care/shared';
import { z } from 'zod';
import { derivePassphraseKey, openWithKey, passphraseKeyFor, sealWithKey, type PassphraseKey } from '../sealed/passphrase-seal.js';
import { SealError } from '../sealed/seal-error.js';
import { sealedFromText, sealedToText } from '../sealed/sealed-text.js';

/*
 * A counselor's private notes, sealed in their browser (issue 13 §3). One
 * key per counselor from their passphrase (argon2id), derived once at
 * unlock; every note sealed under it with its own associated data (counselor,
 * person, note id), so a server that returns one note's ciphertext in
 * another's place is caught here, as a note that will not open.
 *
 * The passphrase check is a fixed text sealed under the same key: opening
 * it at unlock tells a wrong passphrase at once, before any note is read or
 * written (a note sealed under a mistyped passphrase would be lost).
 */

/** At most this many characters in one note (its sealed form stays within the server's bound, whatever the script). */
export const MAX_NOTE_CHARS = 2_500;

const CHECK_TEXT = 'CARE ASN private notes: passphrase check v1';

/** What a note holds, inside its seal. The server never sees this shape. */
export const PrivateNoteContent = z.strictObject({
  text: z.string().min(1).max(MAX_NOTE_CHARS),
  writtenAt: z.iso.datetime(),
});
export type PrivateNoteContent = z.infer<typeof PrivateNoteContent>;

export interface NoteAddress {
  counselorId: string;
  clientId: string;
  noteId: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A new passphrase: its key (a fresh salt) and the sealed check to store on the server. */
export async function createPassphraseCheck(counselorId: string, passphrase: string): Promise<{ key: PassphraseKey; sealedCheck: string }> {
  const key = await derivePassphraseKey(passphrase);
  const sealed = await sealWithKey(key, encoder.encode(CHECK_TEXT), passphraseCheckContext(counselorId));
  return { key, sealedCheck: sealedToText(sealed) };
}

/** The key for `passphrase`, or SealError `cannot_open` when it is not the passphrase the check was sealed with. */
export async function unlockWithCheck(counselorId: string, passphrase: string, sealedCheck: string): Promise<PassphraseKey> {
  const sealed = sealedFromText(sealedCheck);
  const key = await passphraseKeyFor(sealed, passphrase);
  const opened = await openWithKey(key, sealed, passphraseCheckContext(counselorId));
  if (decoder.decode(opened) !== CHECK_TEXT) throw new SealError('cannot_open', 'the passphrase check holds something else');
  return key;
}

export async function sealNote(key: PassphraseKey, at: NoteAddress, content: PrivateNoteContent): Promise<string> {
  const plain = encoder.encode(JSON.stringify(PrivateNoteContent.parse(content)));
  return sealedToText(await sealWithKey(key, plain, privateNoteContext(at.counselorId, at.clientId, at.noteId)));
}

/** Opens one note; SealError `cannot_open` when it was altered, or belongs to another note, person or counselor. */
export async function openNote(key: PassphraseKey, at: NoteAddress, sealedCiphertext: string): Promise<PrivateNoteContent> {
  const opened = await openWithKey(key, sealedFromText(sealedCiphertext), privateNoteContext(at.counselorId, at.clientId, at.noteId));
  let inside: unknown;
  try {
    inside = JSON.parse(decoder.decode(opened));
  } catch {
    throw new SealError('malformed', 'the note inside is not a note');
  }
  const parsed = PrivateNoteContent.safeParse(inside);
  if (!parsed.success) throw new SealError('malformed', 'the note inside is not a note');
  return parsed.data;
}
