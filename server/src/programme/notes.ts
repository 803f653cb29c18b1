import {
  MAX_NOTES_PER_CLIENT,
  type CurrentUser,
  type PassphraseCheckView,
  type PutPassphraseCheckBody,
  type PutSealedNoteBody,
  type SealedNoteView,
} from '@care/shared';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import { requireRole } from '../scheduling/scheduling-access.js';
import type { Caseload } from './caseload.js';
import type { SealedPrivateNote } from './notes-models.js';
import type { ProgrammeModels } from './programme-models.js';

/**
 * A counselor's private notes (issue 13 §3), kept as sealed ciphertext the
 * server cannot open. What the server does decide: only the counselor who
 * wrote a note reads, lists, replaces or deletes it, and only about a
 * person on their caseload (anyone else's id is "not found", like a
 * stranger's). Logs name no counselor, person or note.
 */
export class PrivateNotes {
  constructor(
    private readonly models: ProgrammeModels,
    private readonly caseload: Caseload,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  async passphraseCheck(user: CurrentUser): Promise<PassphraseCheckView> {
    requireRole(user, ['counselor'], 'keep private notes');
    const check = await this.models.passphraseChecks.findOne({ counselorId: user.id }).select({ sealedCheck: 1 }).lean();
    return { sealedCheck: check?.sealedCheck ?? null };
  }

  /**
   * Set once: a second check would leave the notes sealed under the first
   * passphrase unreadable by a page that trusts the second.
   */
  async setPassphraseCheck(user: CurrentUser, { sealedCheck }: PutPassphraseCheckBody): Promise<PassphraseCheckView> {
    requireRole(user, ['counselor'], 'keep private notes');
    try {
      await this.models.passphraseChecks.create({ counselorId: user.id, sealedCheck, storedAt: this.now() });
    } catch (error) {
      if (isDuplicateKey(error)) throw new AppError('already_exists', 'Your notes passphrase is already set. Unlock with it.');
      throw error;
    }
    return { sealedCheck };
  }

  async list(user: CurrentUser, clientId: string): Promise<SealedNoteView[]> {
    await this.#assertMayKeep(user, clientId);
    const notes = await this.models.sealedNotes
      .find({ counselorId: user.id, clientId })
      .select({ noteId: 1, sealedCiphertext: 1, storedAt: 1 })
      .sort({ storedAt: 1 })
      .limit(MAX_NOTES_PER_CLIENT)
      .lean<SealedPrivateNote[]>();
    return notes.map(toView);
  }

  /** Writes a new note or replaces one's ciphertext (the last write wins: one counselor, their own note). */
  async put(user: CurrentUser, clientId: string, noteId: string, { sealedCiphertext }: PutSealedNoteBody): Promise<SealedNoteView> {
    await this.#assertMayKeep(user, clientId);
    const key = { counselorId: user.id, clientId, noteId };
    const storedAt = this.now();
    const existing = await this.models.sealedNotes.exists(key);
    if (!existing && (await this.models.sealedNotes.countDocuments({ counselorId: user.id, clientId })) >= MAX_NOTES_PER_CLIENT) {
      throw new AppError('conflict', `At most ${MAX_NOTES_PER_CLIENT} notes per person. Delete an old one first.`);
    }
    try {
      await this.models.sealedNotes.updateOne(key, { $set: { sealedCiphertext, storedAt } }, { upsert: true, runValidators: true });
    } catch (error) {
      // Two first saves of one note at once: one of them is refused by the unique index.
      if (isDuplicateKey(error)) throw new AppError('conflict', 'This note is being saved in another request. Please try again.');
      throw error;
    }
    this.log.info(existing ? 'sealed private note replaced' : 'sealed private note stored');
    return { noteId, sealedCiphertext, storedAt: storedAt.toISOString() };
  }

  async remove(user: CurrentUser, clientId: string, noteId: string): Promise<void> {
    await this.#assertMayKeep(user, clientId);
    const { deletedCount } = await this.models.sealedNotes.deleteOne({ counselorId: user.id, clientId, noteId });
    if (deletedCount === 0) throw new AppError('not_found', 'No such note.');
    this.log.info('sealed private note deleted');
  }

  async #assertMayKeep(user: CurrentUser, clientId: string): Promise<void> {
    requireRole(user, ['counselor'], 'keep private notes');
    await this.caseload.assertIncludes(user.id, clientId);
  }
}

function toView(note: SealedPrivateNote): SealedNoteView {
  return { noteId: note.noteId, sealedCiphertext: note.sealedCiphertext, storedAt: note.storedAt.toISOString() };
}
