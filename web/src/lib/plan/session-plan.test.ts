import type { ApplicationPayload, PlanControlPayload, PlanOpsPayload } from '@care/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageChannel } from '../managers/session/session-messages.svelte.js';
import { SessionPlan } from './session-plan.svelte.js';

type PlanPayload = PlanOpsPayload | PlanControlPayload;

/** Two pages joined as the group joins them: what one sends, the other receives (after its schema, as E2eeSession does). */
function pair() {
  const sent: Array<{ from: 'asn' | 'counselor'; payload: ApplicationPayload }> = [];
  const plans = {} as Record<'asn' | 'counselor', SessionPlan>;
  const channel = (from: 'asn' | 'counselor'): MessageChannel => ({
    async send(payload) {
      sent.push({ from, payload });
      const to = plans[from === 'asn' ? 'counselor' : 'asn'];
      if (payload.kind === 'plan-ops' || payload.kind === 'plan-control') to.received(payload as PlanPayload);
      return { sentAt: new Date().toISOString() };
    },
  });
  // No IndexedDB under Node: both keep the plan in memory, which is what this test is about.
  plans.asn = new SessionPlan({ channel: () => channel('asn'), role: () => 'asn', accountId: () => undefined });
  plans.counselor = new SessionPlan({ channel: () => channel('counselor'), role: () => 'counselor', accountId: () => undefined });
  return { ...plans, sent };
}

const settle = async () => {
  await vi.advanceTimersByTimeAsync(1000);
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SessionPlan: the plan co-edited in a 1:1', () => {
  it('the client offers the plan when the counselor is in the group, and both see each other’s edits', async () => {
    const { asn, counselor } = pair();
    await asn.start();
    await counselor.start();
    asn.editor!.setField('change', 'Datang tepat waktu');
    expect(counselor.editor).toBeUndefined();
    asn.groupChanged(['counselor-peer']);
    counselor.groupChanged(['asn-peer']);
    await settle();
    expect(counselor.editor?.planId).toBe(asn.editor!.planId);
    expect(counselor.editor?.view.fields.change).toBe('Datang tepat waktu');
    expect(counselor.counselorMayKeep).toBe(false);

    counselor.editor!.addStep('Pasang alarm jam 5', '2027-01-10');
    asn.editor!.setField('why', 'Agar tim percaya lagi');
    await settle();
    expect(asn.editor!.view.steps.map((s) => s.text)).toEqual(['Pasang alarm jam 5']);
    expect(counselor.editor!.view.fields.why).toBe('Agar tim percaya lagi');
    expect(asn.editor!.view).toEqual(counselor.editor!.view);
  });

  it('sends a field typed key by key as one operation', async () => {
    const { asn, counselor, sent } = pair();
    await asn.start();
    asn.groupChanged(['counselor-peer']);
    await settle();
    sent.length = 0;
    for (const text of ['S', 'Se', 'Sem', 'Sema', 'Semangat']) asn.editor!.setField('progress', text);
    await settle();
    expect(sent).toHaveLength(1);
    expect(counselor.editor!.view.fields.progress).toBe('Semangat');
  });

  it('tells the counselor whether they may keep a copy, and only the client can say so', async () => {
    const { asn, counselor } = pair();
    await asn.start();
    asn.groupChanged(['counselor-peer']);
    await settle();
    await asn.setCounselorMayKeep(true);
    await settle();
    expect(counselor.counselorMayKeep).toBe(true);
    // A counselor's page that says "keep" to the client changes nothing there.
    asn.received({ kind: 'plan-control', id: crypto.randomUUID(), control: { type: 'keep', plan: asn.editor!.planId, allowed: false } });
    await settle();
    expect(asn.counselorMayKeep).toBe(true);
  });

  it('the client ignores operations for another plan', async () => {
    const { asn } = pair();
    await asn.start();
    const before = asn.editor!.view;
    asn.received({
      kind: 'plan-ops',
      id: crypto.randomUUID(),
      plan: crypto.randomUUID(),
      ops: [{ op: 'field', field: 'change', value: 'bukan rencana ini', clock: 9, actor: 'f'.repeat(16) }],
    });
    await settle();
    expect(asn.editor!.view).toEqual(before);
  });

  it('in a circle there is no plan', async () => {
    const plan = new SessionPlan({ channel: () => undefined, role: () => undefined, accountId: () => undefined });
    plan.groupChanged(['someone']);
    await plan.start();
    expect(plan.active).toBe(false);
    expect(plan.editor).toBeUndefined();
  });
});
