import { PLAN_MESSAGE_MAX_BYTES, PLAN_OPS_PER_MESSAGE, type PlanOp, type PlanOpsPayload } from '@care/shared';

const encodedSize = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).byteLength;

/**
 * Plan operations as MLS application messages: at most PLAN_OPS_PER_MESSAGE
 * operations and PLAN_MESSAGE_MAX_BYTES encoded each (the server refuses an
 * application message over 16 KiB), so a whole plan offered into a session
 * travels in several. Each operation stands alone, so the messages may
 * arrive in any order.
 */
export function planMessages(plan: string, ops: readonly PlanOp[]): PlanOpsPayload[] {
  const messages: PlanOpsPayload[] = [];
  let current: PlanOp[] = [];
  const flush = () => {
    if (current.length > 0) messages.push({ kind: 'plan-ops', id: crypto.randomUUID(), plan, ops: current });
    current = [];
  };
  for (const op of ops) {
    const next = [...current, op];
    const size = encodedSize({ kind: 'plan-ops', id: crypto.randomUUID(), plan, ops: next });
    if (current.length > 0 && (next.length > PLAN_OPS_PER_MESSAGE || size > PLAN_MESSAGE_MAX_BYTES)) {
      flush();
      current = [op];
    } else current = next;
  }
  flush();
  return messages;
}
