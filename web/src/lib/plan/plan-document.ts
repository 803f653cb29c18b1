import {
  PLAN_FIELD_MAX_CHARS,
  PLAN_MAX_NOTES,
  PLAN_NOTE_MAX_CHARS,
  PLAN_STEP_MAX_CHARS,
  PLAN_MAX_STEPS,
  PLAN_TEXT_FIELDS,
  type PlanActor,
  type PlanOp,
  type PlanRecord,
  type PlanTextField,
} from '@care/shared';

export interface PlanStep {
  id: string;
  text: string;
  due: string;
  done: boolean;
}

export interface PlanNote {
  id: string;
  text: string;
  at: string;
  by: 'asn' | 'counselor';
}

/** What a person sees of a plan: the latest value of every register, removed steps and notes left out. */
export interface PlanView {
  fields: Record<PlanTextField, string>;
  steps: PlanStep[];
  notes: PlanNote[];
}

/** The register an operation sets: one per text field, one per property of each step and note. */
export function registerOf(op: PlanOp): string {
  switch (op.op) {
    case 'field':
      return `field:${op.field}`;
    case 'step-text':
    case 'step-due':
    case 'step-done':
    case 'step-removed':
    case 'step-order':
      return `${op.op}:${op.step}`;
    case 'note-text':
    case 'note-at':
    case 'note-by':
    case 'note-removed':
      return `${op.op}:${op.note}`;
    default: {
      const unknown: never = op;
      throw new Error(`unknown plan operation ${JSON.stringify(unknown)}`);
    }
  }
}

/** Whether `a` wins over `b` in the same register: the higher clock, then the higher actor id. */
function wins(a: PlanOp, b: PlanOp): boolean {
  return a.clock !== b.clock ? a.clock > b.clock : a.actor > b.actor;
}

/** A random actor id for this device's edits to one plan (ties between equal clocks break on it). */
export function newActor(): PlanActor {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * One improvement plan as a set of last-writer-wins registers, each with its
 * own Lamport clock: an edit sets a register to a clock one past the highest
 * it has seen there; `apply` keeps, per register, the operation with the
 * highest (clock, actor). Two people editing at once converge whatever order
 * their operations arrive in. Concurrent typing in the same field keeps one
 * person's text, whole (fields are short and people take turns speaking; a
 * character-level text CRDT would buy little for its weight).
 */
export class PlanDocument {
  readonly #registers = new Map<string, PlanOp>();
  readonly #steps = new Set<string>();
  readonly #notes = new Set<string>();

  constructor(
    readonly planId: string,
    readonly actor: PlanActor = newActor(),
    ops: readonly PlanOp[] = [],
  ) {
    this.apply(ops);
  }

  static fromRecord(record: PlanRecord, actor?: PlanActor): PlanDocument {
    return new PlanDocument(record.plan, actor, record.ops);
  }

  /**
   * Merges operations from anywhere (the other person, the store, an
   * import); returns those that changed something. An operation that would
   * add a step or a note past the plan's bounds is dropped.
   */
  apply(ops: readonly PlanOp[]): PlanOp[] {
    const changed: PlanOp[] = [];
    for (const op of ops) {
      if ('step' in op && !this.#steps.has(op.step)) {
        if (this.#steps.size >= PLAN_MAX_STEPS) continue;
        this.#steps.add(op.step);
      }
      if ('note' in op && !this.#notes.has(op.note)) {
        if (this.#notes.size >= PLAN_MAX_NOTES) continue;
        this.#notes.add(op.note);
      }
      const register = registerOf(op);
      const current = this.#registers.get(register);
      if (current && !wins(op, current)) continue;
      this.#registers.set(register, op);
      changed.push(op);
    }
    return changed;
  }

  /** Every register's latest operation: the whole plan, as stored, exported or offered into a session. */
  ops(): PlanOp[] {
    return [...this.#registers.values()];
  }

  record(): PlanRecord {
    return { version: 1, plan: this.planId, ops: this.ops() };
  }

  get isEmpty(): boolean {
    return this.#registers.size === 0;
  }

  get stepCount(): number {
    return this.#steps.size;
  }

  get noteCount(): number {
    return this.#notes.size;
  }

  // Local edits: each makes one operation, applies it and returns it (to send); undefined when refused.

  setField(field: PlanTextField, value: string): PlanOp {
    return this.#edit({ op: 'field', field, value: value.slice(0, PLAN_FIELD_MAX_CHARS) });
  }

  /** A new step after the last one; undefined when the plan holds as many steps as it may. */
  addStep(text: string, due = ''): PlanOp[] | undefined {
    if (this.#steps.size >= PLAN_MAX_STEPS) return undefined;
    const step = crypto.randomUUID();
    const order = Math.max(-1, ...this.#values('step-order').map((op) => Number(op.value))) + 1;
    return [
      this.#edit({ op: 'step-order', step, value: Math.min(order, 10_000) }),
      this.#edit({ op: 'step-text', step, value: text.slice(0, PLAN_STEP_MAX_CHARS) }),
      ...(due ? [this.#edit({ op: 'step-due', step, value: due })] : []),
    ];
  }

  setStepText(step: string, value: string): PlanOp {
    return this.#edit({ op: 'step-text', step, value: value.slice(0, PLAN_STEP_MAX_CHARS) });
  }

  setStepDue(step: string, value: string): PlanOp {
    return this.#edit({ op: 'step-due', step, value });
  }

  setStepDone(step: string, value: boolean): PlanOp {
    return this.#edit({ op: 'step-done', step, value });
  }

  removeStep(step: string): PlanOp {
    return this.#edit({ op: 'step-removed', step, value: true });
  }

  /** A note between sessions (or in one); undefined when the plan holds as many notes as it may. */
  addNote(text: string, by: 'asn' | 'counselor', at = new Date().toISOString()): PlanOp[] | undefined {
    if (this.#notes.size >= PLAN_MAX_NOTES) return undefined;
    const note = crypto.randomUUID();
    return [this.#edit({ op: 'note-at', note, value: at }), this.#edit({ op: 'note-by', note, value: by }), this.#edit({ op: 'note-text', note, value: text.slice(0, PLAN_NOTE_MAX_CHARS) })];
  }

  removeNote(note: string): PlanOp {
    return this.#edit({ op: 'note-removed', note, value: true });
  }

  view(): PlanView {
    const value = <T>(register: string, fallback: T): T => (this.#registers.get(register)?.value as T | undefined) ?? fallback;
    const fields = Object.fromEntries(PLAN_TEXT_FIELDS.map((field) => [field, value(`field:${field}`, '')])) as Record<PlanTextField, string>;
    const steps = [...this.#steps]
      .filter((id) => !value(`step-removed:${id}`, false) && this.#registers.has(`step-text:${id}`))
      .map((id) => ({ id, order: value(`step-order:${id}`, 0), step: { id, text: value(`step-text:${id}`, ''), due: value(`step-due:${id}`, ''), done: value(`step-done:${id}`, false) } }))
      .sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1))
      .map(({ step }) => step);
    const notes = [...this.#notes]
      .filter((id) => !value(`note-removed:${id}`, false) && this.#registers.has(`note-text:${id}`))
      .map((id): PlanNote => ({ id, text: value(`note-text:${id}`, ''), at: value(`note-at:${id}`, ''), by: value(`note-by:${id}`, 'asn') }))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
    return { fields, steps, notes };
  }

  #values(kind: PlanOp['op']): PlanOp[] {
    return this.ops().filter((op) => op.op === kind);
  }

  /** One past the highest clock seen in this register: the edit wins over everything this device knows. */
  #edit(unstamped: DistributiveOmit<PlanOp, 'clock' | 'actor'>): PlanOp {
    const op = { ...unstamped, clock: 1, actor: this.actor } as PlanOp;
    op.clock = (this.#registers.get(registerOf(op))?.clock ?? 0) + 1;
    this.apply([op]);
    return op;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
