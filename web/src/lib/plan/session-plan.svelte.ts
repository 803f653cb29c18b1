import type { PlanControlPayload, PlanOp, PlanOpsPayload } from '@care/shared';
import type { MessageChannel } from '../managers/session/session-messages.svelte.js';
import { PlanDocument, registerOf } from './plan-document.js';
import { PlanEditor, type PlanAuthor } from './plan-editor.svelte.js';
import { planMessages } from './plan-messages.js';
import { PlanSaving } from './plan-saving.svelte.js';
import { PlanStore } from './plan-store.js';

/** Edits typed within this long travel together (one field's keystrokes become one operation). */
const SEND_GATHER_MS = 150;
/**
 * At most one plan message a second from this page while someone types: plan
 * edits share the server's budget for application messages with the chat
 * (request-budgets.ts, `chat`), which cannot tell them apart.
 */
const SEND_EVERY_MS = 1000;

export interface SessionPlanDeps {
  /** The room's end-to-end encrypted group (none before it is set up). */
  channel: () => MessageChannel | undefined;
  /** In a 1:1: whose device this is. Undefined in a circle: no plan there. */
  role: () => PlanAuthor | undefined;
  accountId: () => string | undefined;
}

/** Where this device's copy of the plan lives: sealed on the device, or in this page's memory for the session only. */
export type PlanKeeping = 'device' | 'memory';

/**
 * The improvement plan in a 1:1 session, co-edited live. The client's device
 * owns it: it brings its saved plan (or a new one) into the session and
 * offers all of it whenever someone new is in the group; the counselor's
 * page takes the plan the client's device offers, and keeps a copy on its
 * own device only while the client allows it. Every edit travels as an MLS
 * application message (`plan-ops`), checked by its schema on arrival; the
 * server relays ciphertext and never holds the plan.
 */
export class SessionPlan {
  editor = $state<PlanEditor | undefined>(undefined);
  /** Client: whether the counselor's device may keep a copy. Counselor: whether the client allows it. */
  counselorMayKeep = $state(false);
  keeping = $state<PlanKeeping>('memory');
  /** Writes to the device's vault: under way, done, or failed (the plan is then in memory only). */
  readonly saving = new PlanSaving(() => this.#save());
  /** Some edits did not reach the other person (they go again when the group changes). */
  unsent = $state(false);

  #store: PlanStore | undefined;
  #started: Promise<void> | undefined;
  #queue: Promise<void> = Promise.resolve();
  readonly #pending = new Map<string, PlanOp>();
  #sendTimer: ReturnType<typeof setTimeout> | undefined;
  #lastSent = 0;
  /** The other members we last offered the plan to (a new one gets all of it). */
  #offeredTo = '';

  constructor(private readonly deps: SessionPlanDeps) {}

  get active(): boolean {
    return this.deps.role() !== undefined;
  }

  /** The room is entered: the client's device loads its plan; the counselor waits for it. */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  /** The group's other members changed (someone joined, or we joined anew): offer the plan to them. */
  groupChanged(otherPeerIds: readonly string[]): void {
    const key = [...otherPeerIds].sort().join(',');
    if (!this.active || otherPeerIds.length === 0 || key === this.#offeredTo) return;
    this.#offeredTo = key;
    void this.#serial(async () => {
      await this.start();
      if (this.deps.role() === 'asn') return this.#offer();
      if (this.editor) await this.#send(this.editor.document.ops());
      await this.#control({ type: 'request' });
    });
  }

  /** A plan message from the other person, already checked against its schema. */
  received(payload: PlanOpsPayload | PlanControlPayload): void {
    if (!this.active) return;
    void this.#serial(async () => {
      await this.start();
      if (payload.kind === 'plan-ops') return this.#receivedOps(payload);
      const control = payload.control;
      switch (control.type) {
        case 'request':
          if (this.deps.role() === 'asn') await this.#offer();
          return;
        case 'keep':
          if (this.deps.role() === 'counselor') await this.#keepAllowed(control.plan, control.allowed);
          return;
        default: {
          const unknown: never = control;
          throw new Error(`unknown plan control ${JSON.stringify(unknown)}`);
        }
      }
    });
  }

  /** Client: allows (or stops) the counselor's device keeping a copy; said to the counselor at once. */
  async setCounselorMayKeep(allowed: boolean): Promise<void> {
    if (this.deps.role() !== 'asn' || !this.editor) return;
    this.counselorMayKeep = allowed;
    this.#scheduleSave();
    await this.#control({ type: 'keep', plan: this.editor.planId, allowed }).catch(() => {
      this.unsent = true;
    });
  }

  /** The session is over for this page: what is waiting goes now. */
  stop(): void {
    void this.#flushSend();
    void this.saving.flush();
  }

  async #start(): Promise<void> {
    const accountId = this.deps.accountId();
    if (accountId) this.#store = await PlanStore.open(accountId).catch(() => undefined);
    if (this.deps.role() !== 'asn') return;
    const stored = await this.#store?.own().catch(() => undefined);
    this.counselorMayKeep = stored?.counselorMayKeep ?? false;
    this.keeping = this.#store ? 'device' : 'memory';
    const doc = stored ? PlanDocument.fromRecord(stored.record) : new PlanDocument(crypto.randomUUID());
    this.editor = new PlanEditor(doc, 'asn', (ops, local) => this.#changed(ops, local));
  }

  /** Client: all of the plan to the other person, the counselor's permission first. */
  async #offer(): Promise<void> {
    const editor = this.editor;
    if (!editor) return;
    try {
      await this.#control({ type: 'keep', plan: editor.planId, allowed: this.counselorMayKeep });
      await this.#send(editor.document.ops());
      this.unsent = false;
    } catch {
      this.unsent = true;
    }
  }

  async #receivedOps(payload: PlanOpsPayload): Promise<void> {
    // The client's device holds the one plan; the counselor's page follows the plan the client offers.
    if (!this.editor && this.deps.role() === 'counselor') this.#adopt(payload.plan);
    if (this.editor?.planId !== payload.plan) return;
    this.editor.merge(payload.ops);
  }

  #adopt(planId: string): void {
    this.editor = new PlanEditor(new PlanDocument(planId), 'counselor', (ops, local) => this.#changed(ops, local));
  }

  /** Counselor: the client's word on keeping a copy. Allowed: a copy kept earlier joins in; refused: it is deleted. */
  async #keepAllowed(planId: string, allowed: boolean): Promise<void> {
    if (!this.editor) this.#adopt(planId);
    if (this.editor?.planId !== planId) return;
    this.counselorMayKeep = allowed;
    if (!allowed) {
      this.keeping = 'memory';
      await this.#store?.forget(planId).catch(() => undefined);
      return;
    }
    if (!this.#store) return;
    this.keeping = 'device';
    const kept = await this.#store.kept(planId).catch(() => undefined);
    // What this device kept may hold edits the client's device lacks: they go back to it.
    const news = kept ? this.editor.merge(kept.ops) : [];
    if (news.length > 0) await this.#send(news).catch(() => undefined);
    this.#scheduleSave();
  }

  #changed(ops: PlanOp[], local: boolean): void {
    if (local) {
      for (const op of ops) this.#pending.set(registerOf(op), op);
      const wait = Math.max(SEND_GATHER_MS, this.#lastSent + SEND_EVERY_MS - Date.now());
      this.#sendTimer ??= setTimeout(() => void this.#flushSend(), wait);
    }
    this.#scheduleSave();
  }

  async #flushSend(): Promise<void> {
    clearTimeout(this.#sendTimer);
    this.#sendTimer = undefined;
    const ops = [...this.#pending.values()];
    this.#pending.clear();
    if (ops.length === 0) return;
    this.#lastSent = Date.now();
    try {
      await this.#send(ops);
    } catch {
      // Not in the group at the moment: the whole plan is offered again when the group changes.
      this.unsent = true;
    }
  }

  async #send(ops: readonly PlanOp[]): Promise<void> {
    const channel = this.deps.channel();
    const editor = this.editor;
    if (!channel || !editor) throw new Error('no group to send to');
    for (const message of planMessages(editor.planId, ops)) await channel.send(message);
  }

  async #control(control: PlanControlPayload['control']): Promise<void> {
    const channel = this.deps.channel();
    if (!channel) throw new Error('no group to send to');
    await channel.send({ kind: 'plan-control', id: crypto.randomUUID(), control });
  }

  #scheduleSave(): void {
    if (this.#store && this.keeping === 'device') this.saving.schedule();
  }

  async #save(): Promise<void> {
    const store = this.#store;
    const editor = this.editor;
    if (!store || !editor) return;
    const record = editor.document.record();
    if (this.deps.role() === 'asn') await store.saveOwn({ record, counselorMayKeep: this.counselorMayKeep });
    else if (this.counselorMayKeep) await store.keep(record);
  }

  #serial(operation: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
