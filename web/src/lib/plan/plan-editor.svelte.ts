import type { PlanOp, PlanTextField } from '@care/shared';
import type { PlanDocument, PlanView } from './plan-document.js';

/** Who writes a note: the client, or the counselor in a session. */
export type PlanAuthor = 'asn' | 'counselor';

/**
 * A plan being edited on this page: the document, its view for the page
 * (state), and each edit made into operations. `changed` hears every change,
 * local (to send and keep) or merged from elsewhere (to keep).
 */
export class PlanEditor {
  view = $state<PlanView>({ fields: { change: '', why: '', support: '', progress: '' }, steps: [], notes: [] });
  /** The last edit was refused because the plan holds as many steps (or notes) as it may. */
  full = $state(false);

  constructor(
    private doc: PlanDocument,
    readonly author: PlanAuthor,
    private readonly changed: (ops: PlanOp[], local: boolean) => void,
  ) {
    this.view = doc.view();
  }

  get planId(): string {
    return this.doc.planId;
  }

  get document(): PlanDocument {
    return this.doc;
  }

  /** Operations from elsewhere (the other person, an import); returns those that changed the plan. */
  merge(ops: readonly PlanOp[]): PlanOp[] {
    const changed = this.doc.apply(ops);
    if (changed.length > 0) {
      this.view = this.doc.view();
      this.changed(changed, false);
    }
    return changed;
  }

  setField(field: PlanTextField, value: string): void {
    this.#local(this.doc.setField(field, value));
  }

  addStep(text: string, due = ''): void {
    this.#local(this.doc.addStep(text, due));
  }

  setStepText(step: string, value: string): void {
    this.#local(this.doc.setStepText(step, value));
  }

  setStepDue(step: string, value: string): void {
    this.#local(this.doc.setStepDue(step, value));
  }

  setStepDone(step: string, done: boolean): void {
    this.#local(this.doc.setStepDone(step, done));
  }

  removeStep(step: string): void {
    this.#local(this.doc.removeStep(step));
  }

  addNote(text: string): void {
    if (!text.trim()) return;
    this.#local(this.doc.addNote(text.trim(), this.author));
  }

  removeNote(note: string): void {
    this.#local(this.doc.removeNote(note));
  }

  #local(ops: PlanOp | PlanOp[] | undefined): void {
    this.full = ops === undefined;
    if (ops === undefined) return;
    this.view = this.doc.view();
    this.changed(Array.isArray(ops) ? ops : [ops], true);
  }
}
