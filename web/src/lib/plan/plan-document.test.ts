import { ApplicationPayload, PLAN_MAX_STEPS, PLAN_MESSAGE_MAX_BYTES, PlanRecord, type PlanOp } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { PlanDocument } from './plan-document.js';
import { planMessages } from './plan-messages.js';

const PLAN = '6f1c2a4e-8a51-4c39-9c0e-0d7e1b2a3c4d';

/** Shuffled copies of a list, from a fixed seed (so a failure repeats): merging must not depend on arrival order. */
function shuffles<T>(items: T[], count: number): T[][] {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  });
}

describe('PlanDocument: last-writer-wins registers with a Lamport clock each', () => {
  it('converges when both people edit the same field at once, whatever the arrival order', () => {
    const asn = new PlanDocument(PLAN, 'a'.repeat(16));
    const counselor = new PlanDocument(PLAN, 'b'.repeat(16));
    const base = asn.setField('change', 'Datang tepat waktu');
    counselor.apply([base]);
    // Both type at once, each from clock 1: equal clocks, the higher actor id wins on both sides.
    const mine = asn.setField('change', 'Datang tepat waktu setiap hari');
    const theirs = counselor.setField('change', 'Datang sebelum jam 8');
    asn.apply([theirs]);
    counselor.apply([mine]);
    expect(asn.view()).toEqual(counselor.view());
    expect(asn.view().fields.change).toBe('Datang sebelum jam 8');
    // The next edit on either side sees the higher clock and wins everywhere.
    const later = asn.setField('change', 'Datang jam 7.45');
    counselor.apply([later]);
    expect(counselor.view().fields.change).toBe('Datang jam 7.45');
  });

  it('gives the same plan for every order of the same operations, duplicates included', () => {
    const a = new PlanDocument(PLAN, '1'.repeat(16));
    const b = new PlanDocument(PLAN, '2'.repeat(16));
    const ops: PlanOp[] = [
      a.setField('why', 'Supaya tim percaya lagi'),
      ...(a.addStep('Bangun jam 5', '2027-01-10') ?? []),
      b.setField('why', 'Agar atasan melihat perubahan'),
      b.setField('support', 'Istri dan rekan kerja'),
    ];
    const step = a.view().steps[0]!.id;
    ops.push(b.setStepDone(step, true), a.setStepText(step, 'Bangun jam 5 pagi'));
    const views = [ops, ...shuffles(ops, 300)].map((order) => new PlanDocument(PLAN, 'c'.repeat(16), [...order, ...order.slice(0, 2)]).view());
    for (const view of views) expect(view).toEqual(views[0]);
    expect(views[0]!.steps).toEqual([{ id: step, text: 'Bangun jam 5 pagi', due: '2027-01-10', done: true }]);
  });

  it('keeps steps in the order they were added, and a removed step stays removed', () => {
    const doc = new PlanDocument(PLAN);
    doc.addStep('Satu');
    doc.addStep('Dua');
    const [third] = doc.addStep('Tiga') ?? [];
    expect(doc.view().steps.map((s) => s.text)).toEqual(['Satu', 'Dua', 'Tiga']);
    const removal = doc.removeStep(third!.op === 'step-order' ? third!.step : '');
    const other = new PlanDocument(PLAN, undefined, doc.ops().filter((op) => op !== removal));
    other.apply([removal]);
    expect(other.view().steps.map((s) => s.text)).toEqual(['Satu', 'Dua']);
  });

  it('an older operation arriving late changes nothing', () => {
    const doc = new PlanDocument(PLAN);
    const first = doc.setField('progress', 'Absen tepat waktu 4 minggu');
    doc.setField('progress', 'Absen tepat waktu 8 minggu');
    expect(doc.apply([first])).toEqual([]);
    expect(doc.view().fields.progress).toBe('Absen tepat waktu 8 minggu');
  });

  it('stops adding steps at the bound, from local edits and from a peer', () => {
    const doc = new PlanDocument(PLAN);
    for (let i = 0; i < PLAN_MAX_STEPS; i++) expect(doc.addStep(`langkah ${i}`)).toBeDefined();
    expect(doc.addStep('satu lagi')).toBeUndefined();
    const peer = new PlanDocument(PLAN);
    const extra = peer.addStep('dari seberang') ?? [];
    expect(doc.apply(extra)).toEqual([]);
    expect(doc.view().steps).toHaveLength(PLAN_MAX_STEPS);
  });

  it('notes sort by time and carry who wrote them', () => {
    const doc = new PlanDocument(PLAN);
    doc.addNote('Minggu kedua lebih baik', 'asn', '2027-01-20T08:00:00.000Z');
    doc.addNote('Mulai jalan pagi', 'counselor', '2027-01-13T08:00:00.000Z');
    expect(doc.view().notes.map((n) => [n.text, n.by])).toEqual([
      ['Mulai jalan pagi', 'counselor'],
      ['Minggu kedua lebih baik', 'asn'],
    ]);
  });

  it('round-trips through its record, which its schema accepts', () => {
    const doc = new PlanDocument(PLAN);
    doc.setField('change', 'Mengelola marah di rapat');
    doc.addStep('Tarik napas sebelum bicara', '2027-02-01');
    doc.addNote('Sudah dicoba dua kali', 'asn');
    const record = PlanRecord.parse(JSON.parse(JSON.stringify(doc.record())));
    expect(PlanDocument.fromRecord(record).view()).toEqual(doc.view());
  });
});

describe('plan messages and their schema', () => {
  it('splits a full plan into messages within the bounds, each valid, that rebuild the plan', () => {
    const doc = new PlanDocument(PLAN);
    for (const field of ['change', 'why', 'support', 'progress'] as const) doc.setField(field, 'x'.repeat(1000));
    for (let i = 0; i < PLAN_MAX_STEPS; i++) doc.addStep('langkah '.repeat(37), '2027-03-01');
    const messages = planMessages(PLAN, doc.ops());
    expect(messages.length).toBeGreaterThan(1);
    const rebuilt = new PlanDocument(PLAN);
    for (const message of messages) {
      expect(new TextEncoder().encode(JSON.stringify(message)).byteLength).toBeLessThanOrEqual(PLAN_MESSAGE_MAX_BYTES);
      const parsed = ApplicationPayload.parse(message);
      if (parsed.kind === 'plan-ops') rebuilt.apply(parsed.ops);
    }
    expect(rebuilt.view()).toEqual(doc.view());
  });

  it('refuses malformed and oversized plan messages', () => {
    const op = { op: 'field', field: 'change', value: 'ok', clock: 1, actor: 'a'.repeat(16) };
    const message = { kind: 'plan-ops', id: crypto.randomUUID(), plan: PLAN, ops: [op] };
    expect(ApplicationPayload.safeParse(message).success).toBe(true);
    const bad = [
      { ...message, ops: [] },
      { ...message, ops: Array.from({ length: 41 }, () => op) },
      { ...message, ops: [{ ...op, value: 'x'.repeat(1001) }] },
      { ...message, ops: [{ ...op, field: 'salary' }] },
      { ...message, ops: [{ ...op, clock: 0 }] },
      { ...message, ops: [{ ...op, clock: 2 ** 40 }] },
      { ...message, ops: [{ ...op, actor: 'ZZ' }] },
      { ...message, ops: [{ op: 'step-due', step: crypto.randomUUID(), value: 'tomorrow', clock: 1, actor: 'a'.repeat(16) }] },
      { ...message, ops: [{ ...op, extra: true }] },
      { ...message, plan: 'not-a-uuid' },
      { kind: 'plan-control', id: crypto.randomUUID(), control: { type: 'keep', plan: PLAN, allowed: 'yes' } },
    ];
    for (const candidate of bad) expect(ApplicationPayload.safeParse(candidate).success).toBe(false);
  });
});
