import { z } from 'zod';
import { ObjectIdString } from '../domain.js';

/*
 * A counselor's private notes on the people they see (issue 13 §3), as the
 * server holds them: sealed ciphertext only. Each note is sealed in the
 * counselor's browser with a key from their passphrase (argon2id; the
 * passphrase never leaves the browser) and travels here as an opaque base64
 * blob the server can neither open nor check. The associated data binds the
 * counselor, the person and the note id (`privateNoteContext`), so a server
 * that hands one note's ciphertext back under another's place is caught when
 * the page opens it.
 */

/** At most this many base64 characters in one sealed note (about 9 kB sealed; the JSON body limit is 16 kB). */
export const MAX_SEALED_NOTE_CHARS = 12_000;
/** At most this many notes per counselor and person. */
export const MAX_NOTES_PER_CLIENT = 200;
/** The sealed passphrase check is small: a fixed text and the envelope's parameters. */
export const MAX_SEALED_CHECK_CHARS = 2_000;

/** base64url without padding: the web's `sealedToText` alphabet. */
const base64url = /^[A-Za-z0-9_-]+$/;

/** Opaque sealed bytes as base64url text, bounded; the server only stores and returns them. */
function sealedBlob(max: number) {
  return z.string().min(16, 'must be a sealed piece').max(max, `must be at most ${max} characters`).regex(base64url, 'must be base64url text');
}

export const SealedNoteCiphertext = sealedBlob(MAX_SEALED_NOTE_CHARS);
export const SealedPassphraseCheck = sealedBlob(MAX_SEALED_CHECK_CHARS);

/** A note's id, made by the browser that writes it (so it is part of the associated data before the server sees the note). */
export const PrivateNoteId = z.uuid({ message: 'must be a UUID' });

export const NoteClientParams = z.strictObject({ clientId: ObjectIdString });
export type NoteClientParams = z.infer<typeof NoteClientParams>;

export const PrivateNoteParams = z.strictObject({ clientId: ObjectIdString, noteId: PrivateNoteId });
export type PrivateNoteParams = z.infer<typeof PrivateNoteParams>;

/** PUT /api/programme/notes/:clientId/:noteId: writes or replaces one sealed note. */
export const PutSealedNoteBody = z.strictObject({ sealedCiphertext: SealedNoteCiphertext });
export type PutSealedNoteBody = z.infer<typeof PutSealedNoteBody>;

export const SealedNoteView = z.object({
  noteId: z.string(),
  sealedCiphertext: z.string(),
  /** When the server stored this version (the note's own date, if any, is inside the ciphertext). */
  storedAt: z.string(),
});
export type SealedNoteView = z.infer<typeof SealedNoteView>;

/**
 * PUT /api/programme/notes/check: the counselor's passphrase check, set once —
 * a fixed text sealed with their passphrase, so the page knows at unlock
 * (not at the first note) that a passphrase is wrong. It carries the KDF's
 * salt and parameters, which every note of this counselor is sealed under.
 */
export const PutPassphraseCheckBody = z.strictObject({ sealedCheck: SealedPassphraseCheck });
export type PutPassphraseCheckBody = z.infer<typeof PutPassphraseCheckBody>;

export const PassphraseCheckView = z.object({ sealedCheck: z.string().nullable() });
export type PassphraseCheckView = z.infer<typeof PassphraseCheckView>;

/** The associated data of one sealed note: which counselor, about whom, which note. */
export function privateNoteContext(counselorId: string, clientId: string, noteId: string): string {
  return `care-asn/private-note/v1/${counselorId}/${clientId}/${noteId}`;
}

/** The associated data of a counselor's passphrase check. */
export function passphraseCheckContext(counselorId: string): string {
  return `care-asn/private-note-check/v1/${counselorId}`;
}
