import type { MessageKey } from '../i18n/i18n.svelte.js';
import { RolePage } from '../managers/role-page.svelte.js';
import { SealError } from '../sealed/seal-error.js';
import { PlanDocument } from './plan-document.js';
import { PlanEditor } from './plan-editor.svelte.js';
import { planFromFile, planToFile } from './plan-file.js';
import { PlanSaving } from './plan-saving.svelte.js';
import { PlanStore } from './plan-store.js';

/** A passphrase shorter than this is refused before any work (argon2id slows guessing, it cannot save a short one). */
export const PLAN_PASSPHRASE_MIN_CHARS = 10;

/**
 * The client's plan between sessions (`/rencana`): read from the device's
 * vault, ticked and annotated here, saved back; exported to a file sealed
 * with a passphrase and imported from one on another device. Nothing of it
 * goes to the server.
 */
export class PlanPage extends RolePage {
  editor = $state<PlanEditor | undefined>(undefined);
  /** Why the plan cannot be kept here, if it cannot. */
  storageProblem = $state<MessageKey | undefined>(undefined);
  working = $state<'export' | 'import' | undefined>(undefined);
  notice = $state<MessageKey | undefined>(undefined);
  problem = $state<MessageKey | undefined>(undefined);
  readonly saving = new PlanSaving(() => this.#save());
  #store: PlanStore | undefined;
  #counselorMayKeep = false;

  constructor() {
    super('asn');
  }

  protected async read(): Promise<void> {
    const me = this.me;
    if (!me) return;
    try {
      this.#store = await PlanStore.open(me.id);
      const stored = await this.#store.own();
      this.#counselorMayKeep = stored?.counselorMayKeep ?? false;
      this.#use(stored ? PlanDocument.fromRecord(stored.record) : new PlanDocument(crypto.randomUUID()));
    } catch (error) {
      this.storageProblem = error instanceof SealError && error.code !== 'no_storage' ? 'plan.cannotOpen' : 'plan.noStorage';
      this.#use(new PlanDocument(crypto.randomUUID()));
    }
  }

  /** The plan sealed with `passphrase`, as the text of a file to download; undefined when refused. */
  async exportFile(passphrase: string): Promise<string | undefined> {
    const editor = this.editor;
    this.#reset();
    if (!editor) return undefined;
    if (passphrase.length < PLAN_PASSPHRASE_MIN_CHARS) {
      this.problem = 'plan.passphraseShort';
      return undefined;
    }
    this.working = 'export';
    try {
      const file = await planToFile(editor.document.record(), passphrase);
      this.notice = 'plan.export.done';
      return file;
    } finally {
      this.working = undefined;
    }
  }

  /**
   * Opens a plan file: the same plan merges with this device's, another one
   * replaces it. A wrong passphrase or a file that is not ours changes nothing.
   */
  async importFile(file: File | undefined, passphrase: string): Promise<void> {
    this.#reset();
    if (!file) {
      this.problem = 'plan.import.noFile';
      return;
    }
    this.working = 'import';
    try {
      const record = await planFromFile(await file.text(), passphrase);
      if (this.editor?.planId === record.plan) this.editor.merge(record.ops);
      else this.#use(PlanDocument.fromRecord(record));
      await this.saving.flush(true);
      this.notice = this.saving.state === 'saved' ? 'plan.import.done' : 'plan.saveFailed';
    } catch (error) {
      this.problem = error instanceof SealError && error.code === 'cannot_open' ? 'plan.import.wrongPassphrase' : 'plan.import.notAFile';
    } finally {
      this.working = undefined;
    }
  }

  #use(doc: PlanDocument): void {
    this.editor = new PlanEditor(doc, 'asn', () => {
      if (this.#store) this.saving.schedule();
    });
  }

  async #save(): Promise<void> {
    if (!this.#store || !this.editor) throw new Error('nowhere to keep the plan');
    await this.#store.saveOwn({ record: this.editor.document.record(), counselorMayKeep: this.#counselorMayKeep });
  }

  #reset(): void {
    this.notice = undefined;
    this.problem = undefined;
  }
}
