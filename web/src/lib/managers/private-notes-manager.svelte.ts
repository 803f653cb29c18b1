import { MAX_SEALED_NOTE_CHARS, type CaseloadEntry } from '@care/shared';
import { notesApi, programmeApi } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { createPassphraseCheck, MAX_NOTE_CHARS, openNote, sealNote, unlockWithCheck, type PrivateNoteContent } from '../notes/note-seal.js';
import type { PassphraseKey } from '../sealed/passphrase-seal.js';
import { SealError } from '../sealed/seal-error.js';
import { PageAction } from './page-action.svelte.js';
import { RolePage } from './role-page.svelte.js';
import { errorKey } from './schedule-format.js';

export { MAX_NOTE_CHARS };

/** The shortest passphrase accepted: it guards every note, and only argon2id slows a guesser. */
export const MIN_PASSPHRASE_CHARS = 12;

/**
 * The unlocked key, in this tab's memory only, so moving between clients'
 * notes does not cost another derivation. Gone on reload, sign-out or "Kunci".
 */
let unlocked: { counselorId: string; key: PassphraseKey } | undefined;

export type NotesPhase = 'setup' | 'locked' | 'unlocked';

/** One note as the page shows it: opened, or refused (altered, or another note's ciphertext in its place). */
export type ShownNote = { noteId: string; storedAt: string } & ({ opened: true; content: PrivateNoteContent } | { opened: false });

/**
 * A counselor's private notes on one person of their caseload. Written and
 * read only here, in the browser: sealed with a key from the counselor's
 * passphrase before anything is sent; the server keeps ciphertext only.
 * A forgotten passphrase loses the notes: nobody, the server included, can open them.
 */
export class PrivateNotesManager extends RolePage {
  client = $state<CaseloadEntry | undefined>(undefined);
  phase = $state<NotesPhase>('locked');
  notes = $state<ShownNote[]>([]);
  readonly action = new PageAction();
  /** A wait on the KDF (a second or two): the page says so. */
  deriving = $state(false);
  unlockError = $state<MessageKey | undefined>(undefined);

  passphrase = $state('');
  confirmation = $state('');
  understood = $state(false);
  draft = $state('');
  /** The note being edited; undefined for a new one. */
  editing = $state<string | undefined>(undefined);

  #sealedCheck: string | null = null;

  constructor(private readonly clientId: string) {
    super('counselor');
  }

  get unreadable(): number {
    return this.notes.filter((n) => !n.opened).length;
  }

  protected async read(): Promise<void> {
    const [caseload, check] = await Promise.all([programmeApi.caseload(), notesApi.passphraseCheck()]);
    this.client = caseload.people.find((p) => p.clientId === this.clientId);
    if (!this.client) throw new ApiError('not_found', 'not on the caseload');
    this.#sealedCheck = check.sealedCheck;
    if (this.#sealedCheck === null) this.phase = 'setup';
    else if (unlocked && unlocked.counselorId === this.me?.id) {
      this.phase = 'unlocked';
      await this.#readNotes(unlocked.key);
    } else this.phase = 'locked';
  }

  /** The first time: choose a passphrase (twice), having read that forgetting it loses the notes. */
  async setUp(): Promise<boolean> {
    const me = this.me;
    if (!me) return false;
    if (this.passphrase.length < MIN_PASSPHRASE_CHARS) return this.#refuse('notes.passphraseShort');
    if (this.passphrase !== this.confirmation) return this.#refuse('notes.passphraseMismatch');
    if (!this.understood) return this.#refuse('notes.mustUnderstand');
    this.deriving = true;
    try {
      return await this.action.run(async () => {
        const { key, sealedCheck } = await createPassphraseCheck(me.id, this.passphrase);
        await notesApi.setPassphraseCheck(sealedCheck);
        this.#sealedCheck = sealedCheck;
        this.#opened(me.id, key);
        this.notes = [];
      }, 'notes.setUpDone');
    } finally {
      this.deriving = false;
    }
  }

  /** A wrong passphrase is told at once (the check does not open) and changes nothing. */
  async unlock(): Promise<boolean> {
    const me = this.me;
    const check = this.#sealedCheck;
    if (!me || check === null || !this.passphrase) return false;
    this.deriving = true;
    this.unlockError = undefined;
    this.action.error = undefined;
    this.action.notice = undefined;
    try {
      const key = await unlockWithCheck(me.id, this.passphrase, check);
      this.#opened(me.id, key);
      await this.#readNotes(key);
      return true;
    } catch (error) {
      if (error instanceof SealError) {
        this.unlockError = error.code === 'cannot_open' ? 'notes.wrongPassphrase' : 'notes.checkDamaged';
        this.passphrase = '';
      } else this.action.error = errorKey(error);
      return false;
    } finally {
      this.deriving = false;
    }
  }

  lock(): void {
    unlocked = undefined;
    this.notes = [];
    this.draft = '';
    this.editing = undefined;
    this.phase = 'locked';
  }

  edit(note: ShownNote): void {
    if (!note.opened) return;
    this.editing = note.noteId;
    this.draft = note.content.text;
  }

  cancelEdit(): void {
    this.editing = undefined;
    this.draft = '';
  }

  async save(): Promise<boolean> {
    const me = this.me;
    const key = unlocked?.key;
    const text = this.draft.trim();
    if (!me || !key || !text) return false;
    if (text.length > MAX_NOTE_CHARS) return this.#refuse('notes.tooLong');
    const noteId = this.editing ?? crypto.randomUUID();
    const sealed = await sealNote(key, { counselorId: me.id, clientId: this.clientId, noteId }, { text, writtenAt: new Date().toISOString() });
    // Characters that JSON escapes can grow a note past the server's bound: told here, not as a refusal there.
    if (sealed.length > MAX_SEALED_NOTE_CHARS) return this.#refuse('notes.tooLong');
    const done = await this.action.run(async () => {
      await notesApi.put(this.clientId, noteId, sealed);
      await this.#readNotes(key);
    }, 'notes.saved');
    if (done) this.cancelEdit();
    return done;
  }

  async remove(noteId: string): Promise<boolean> {
    const key = unlocked?.key;
    if (!key) return false;
    return this.action.run(async () => {
      await notesApi.remove(this.clientId, noteId);
      await this.#readNotes(key);
    }, 'notes.deleted');
  }

  async #readNotes(key: PassphraseKey): Promise<void> {
    const me = this.me;
    if (!me) return;
    const sealed = await notesApi.list(this.clientId);
    const shown = await Promise.all(
      sealed.map(async ({ noteId, sealedCiphertext, storedAt }): Promise<ShownNote> => {
        try {
          const content = await openNote(key, { counselorId: me.id, clientId: this.clientId, noteId }, sealedCiphertext);
          return { noteId, storedAt, opened: true, content };
        } catch (error) {
          if (error instanceof SealError) return { noteId, storedAt, opened: false };
          throw error;
        }
      }),
    );
    // Newest first, by the date sealed inside each note (the server's dates are only when it stored them).
    this.notes = shown.sort((a, b) => writtenAt(b).localeCompare(writtenAt(a)));
  }

  #opened(counselorId: string, key: PassphraseKey): void {
    unlocked = { counselorId, key };
    this.passphrase = '';
    this.confirmation = '';
    this.phase = 'unlocked';
  }

  #refuse(message: MessageKey): false {
    this.action.notice = undefined;
    this.action.error = message;
    return false;
  }
}

function writtenAt(note: ShownNote): string {
  return note.opened ? note.content.writtenAt : note.storedAt;
}
