import { z } from 'zod';

/*
 * The improvement plan (rencana perbaikan), issue 13 §2. It lives on the
 * ASN's device and travels only inside MLS application messages between the
 * two browsers of a 1:1 session: the server never sees any of it.
 *
 * A plan is a set of registers (one per field: the goal, each step's text,
 * its date, …), each last-writer-wins under its own Lamport clock. An edit is
 * an operation that sets one register; merging keeps, per register, the
 * operation with the highest (clock, actor). That merge is commutative,
 * associative and idempotent, so two people typing at once converge whatever
 * order their operations arrive in.
 */

/** The plan's free-text parts: what to change, why it matters, who or what supports it, how progress will show. */
export const PLAN_TEXT_FIELDS = ['change', 'why', 'support', 'progress'] as const;
export const PlanTextField = z.enum(PLAN_TEXT_FIELDS);
export type PlanTextField = z.infer<typeof PlanTextField>;

export const PLAN_FIELD_MAX_CHARS = 1000;
export const PLAN_STEP_MAX_CHARS = 300;
export const PLAN_NOTE_MAX_CHARS = 1000;
/** Steps and notes a plan may hold, removed ones included (a removal is a register too). */
export const PLAN_MAX_STEPS = 40;
export const PLAN_MAX_NOTES = 200;
/** Operations in one MLS application message; a whole plan offered travels in several. */
export const PLAN_OPS_PER_MESSAGE = 40;
/** The largest encoded plan message we send (MLS_MAX_APPLICATION, 16 KiB, bounds the ciphertext). */
export const PLAN_MESSAGE_MAX_BYTES = 12 * 1024;
const CLOCK_MAX = 2 ** 31 - 1;

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
/** Who wrote an operation: a random id per device and plan, opaque (ties between equal clocks break on it). */
export const PlanActor = z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits');
export type PlanActor = z.infer<typeof PlanActor>;
const stamp = {
  clock: z.number().int().min(1).max(CLOCK_MAX),
  actor: PlanActor,
};
const stepOp = <T extends string, V extends z.ZodType>(op: T, value: V) =>
  z.strictObject({ op: z.literal(op), step: z.string().uuid('must be a UUID'), value, ...stamp });
const noteOp = <T extends string, V extends z.ZodType>(op: T, value: V) =>
  z.strictObject({ op: z.literal(op), note: z.string().uuid('must be a UUID'), value, ...stamp });

/** A calendar date (YYYY-MM-DD), or '' for none. */
const PlanDate = z.union([z.literal(''), z.iso.date()]);

export const PlanOp = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('field'), field: PlanTextField, value: text(PLAN_FIELD_MAX_CHARS), ...stamp }),
  stepOp('step-text', text(PLAN_STEP_MAX_CHARS)),
  stepOp('step-due', PlanDate),
  stepOp('step-done', z.boolean()),
  stepOp('step-removed', z.boolean()),
  /** Where the step sits in the list: new steps go after the last; equal places order by step id. */
  stepOp('step-order', z.number().int().min(0).max(10_000)),
  noteOp('note-text', text(PLAN_NOTE_MAX_CHARS)),
  noteOp('note-at', z.iso.datetime()),
  noteOp('note-by', z.enum(['asn', 'counselor'])),
  noteOp('note-removed', z.boolean()),
]);
export type PlanOp = z.infer<typeof PlanOp>;

/** Operations of one plan, as one MLS application message. */
export const PlanOpsPayload = z.strictObject({
  kind: z.literal('plan-ops'),
  id: z.string().uuid('must be a UUID'),
  plan: z.string().uuid('must be a UUID'),
  ops: z.array(PlanOp).min(1).max(PLAN_OPS_PER_MESSAGE),
});
export type PlanOpsPayload = z.infer<typeof PlanOpsPayload>;

/**
 * Plan messages that say something about the plan without changing it.
 * `request`: the counselor asks the client's device for the plan (on entering, after a reconnect).
 * `keep`: the client says whether the counselor's device may keep a copy (only the client's is honoured).
 */
export const PlanControlPayload = z.strictObject({
  kind: z.literal('plan-control'),
  id: z.string().uuid('must be a UUID'),
  control: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('request') }),
    z.strictObject({ type: z.literal('keep'), plan: z.string().uuid('must be a UUID'), allowed: z.boolean() }),
  ]),
});
export type PlanControlPayload = z.infer<typeof PlanControlPayload>;

/** A whole plan as a device stores or exports it: its id and every register's latest operation. */
export const PlanRecord = z.strictObject({
  version: z.literal(1),
  plan: z.string().uuid('must be a UUID'),
  ops: z.array(PlanOp).max(PLAN_TEXT_FIELDS.length + PLAN_MAX_STEPS * 5 + PLAN_MAX_NOTES * 4),
});
export type PlanRecord = z.infer<typeof PlanRecord>;

/** The client's own plan as their device keeps it, with whether the counselor's device may keep a copy. */
export const StoredPlan = z.strictObject({
  record: PlanRecord,
  counselorMayKeep: z.boolean(),
});
export type StoredPlan = z.infer<typeof StoredPlan>;

/** The export file's outer shape: the plan sealed with a passphrase (base64url of the sealed bytes). */
export const PlanExportFile = z.strictObject({
  format: z.literal('care-asn-plan'),
  version: z.literal(1),
  sealed: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be base64url').max(512 * 1024),
});
export type PlanExportFile = z.infer<typeof PlanExportFile>;
