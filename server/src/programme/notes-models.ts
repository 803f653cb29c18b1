import { MAX_SEALED_CHECK_CHARS, MAX_SEALED_NOTE_CHARS } from '@care/shared';
import { Schema, Types, type InferSchemaType } from 'mongoose';

/**
 * A counselor's private note on one person, as SEALED CIPHERTEXT ONLY: the
 * browser sealed it (AES-GCM under a key from the counselor's passphrase,
 * argon2id; associated data = counselor, person, note id) before sending it.
 * The server cannot open it, and nothing here is a content field in plain:
 * `sealedCiphertext` is opaque base64 the server stores and hands back.
 * Unique per {counselor, person, note id}; replacing a note replaces its
 * ciphertext.
 */
export const sealedPrivateNoteSchema = new Schema(
  {
    counselorId: { type: Types.ObjectId, required: true, ref: 'User' },
    clientId: { type: Types.ObjectId, required: true, ref: 'User' },
    noteId: { type: String, required: true, maxlength: 36 },
    /** Opaque sealed ciphertext (base64url) from the counselor's browser; never plaintext. */
    sealedCiphertext: { type: String, required: true, maxlength: MAX_SEALED_NOTE_CHARS },
    storedAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'sealed_private_notes' },
);
sealedPrivateNoteSchema.index({ counselorId: 1, clientId: 1, noteId: 1 }, { unique: true });

export type SealedPrivateNote = InferSchemaType<typeof sealedPrivateNoteSchema>;

/**
 * A counselor's passphrase check: a fixed text sealed with their passphrase
 * (opaque ciphertext, carrying the KDF's salt and parameters), set once, so
 * the page tells a wrong passphrase at unlock. One per counselor.
 */
export const sealedPassphraseCheckSchema = new Schema(
  {
    counselorId: { type: Types.ObjectId, required: true, ref: 'User' },
    /** Opaque sealed ciphertext (base64url) of a fixed text; never the passphrase or anything derived from it in plain. */
    sealedCheck: { type: String, required: true, maxlength: MAX_SEALED_CHECK_CHARS },
    storedAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'sealed_note_passphrase_checks' },
);
sealedPassphraseCheckSchema.index({ counselorId: 1 }, { unique: true });

export type SealedPassphraseCheck = InferSchemaType<typeof sealedPassphraseCheckSchema>;
