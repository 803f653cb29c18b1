import { randomUUID } from 'node:crypto';
import { demoAccounts } from '@care/server';
import { MLS_MAX_APPLICATION, type PlanOpsPayload } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, type SignedIn } from '../support/browser-harness.js';
import { ProtocolPeer, type Answer } from '../support/protocol-peer.js';
import { openSession } from '../support/session-flow.js';
import { userIdOf } from '../support/test-platform.js';

/*
 * A member of the group sends the client's page plan messages a patched app
 * would send: not JSON, too many operations, too long a text, a clock past
 * its bound, an unknown field, extra properties, a control of the wrong
 * shape, another plan's operations, and one over the size the server relays.
 * The peer is the counselor's side as a real socket.io-client connection
 * with a real session cookie and the app's own MLS code (its messages are
 * authentic: only the schema stands between them and the plan); the client
 * is a real Chromium page. Every one is refused, nothing crashes, the plan
 * is unchanged, and a well-formed edit sent after them still arrives.
 */

const [counselor, asn] = demoAccounts;
let h: BrowserHarness;
let host: ProtocolPeer;
let client: SignedIn;
const peers: ProtocolPeer[] = [];
const pageErrors: string[] = [];
let plan = '';

const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const op = (overrides: Record<string, unknown> = {}) => ({ op: 'field', field: 'change', value: 'diubah penyerang', clock: 1000, actor: 'e'.repeat(16), ...overrides });
const opsMessage = (ops: unknown[], overrides: Record<string, unknown> = {}) => ({ kind: 'plan-ops', id: randomUUID(), plan, ops, ...overrides });
const fieldValue = (name: string) => client.page.getByTestId(`plan-${name}`).inputValue();

beforeAll(async () => {
  h = await BrowserHarness.start();
  const t = h.t;
  const sessionId = String((await t.platform.db.appointments.findOne({}))?._id);
  host = await ProtocolPeer.signIn(t.url, counselor, peers);
  await host.join(sessionId);
  await host.startMls();
  client = await h.signIn(asn.email, asn.password);
  client.page.on('pageerror', (error) => pageErrors.push(error.message));
  await openSession(client.page);
  await client.page.getByTestId('lobby').waitFor();
  await host.data('lobby:admit', { sessionId, userId: await userIdOf(t, asn.email) });
  await client.page.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 60_000 });
}, 240_000);

afterAll(async () => {
  for (const peer of peers) peer.close();
  await h?.close();
});

describe('plan messages from a modified member', () => {
  it('refuses malformed and oversized plan messages; the plan is unchanged and the page keeps working', async () => {
    // The client writes its plan; the peer learns the plan's id from what the client's page offers.
    await client.page.getByTestId('plan-change').fill('Rencana asli klien');
    await expect
      .poll(() => host.received.some((p) => p.kind === 'plan-ops' && p.ops.some((o) => o.op === 'field' && o.value === 'Rencana asli klien')), { timeout: 30_000 })
      .toBe(true);
    plan = host.received.find((p): p is PlanOpsPayload => p.kind === 'plan-ops')?.plan ?? '';
    const answers: Answer[] = [];
    const hostile: Uint8Array[] = [
      encode('bukan JSON {'),
      encode('['.repeat(3000) + ']'.repeat(3000)),
      encode(opsMessage(Array.from({ length: 41 }, () => op()))),
      encode(opsMessage([op({ value: 'x'.repeat(1001) })])),
      encode(opsMessage([op({ clock: 2 ** 40 })])),
      encode(opsMessage([op({ field: 'gaji' })])),
      encode(opsMessage([op({ admin: true })])),
      encode(opsMessage([op()], { extra: 'x' })),
      encode(opsMessage([])),
      encode(opsMessage([op({ op: 'step-due', field: undefined, step: randomUUID(), value: 'besok' })])),
      encode({ kind: 'plan-control', id: randomUUID(), control: { type: 'keep', plan, allowed: 'ya' } }),
      encode({ kind: 'plan-control', id: randomUUID(), control: { type: 'wipe' } }),
      // Well-formed, but for a plan this client does not hold: ignored.
      encode(opsMessage([op()], { plan: randomUUID() })),
    ];
    for (const bytes of hostile) answers.push(await host.sendApplication(bytes));
    expect(answers.every((a) => a.ok)).toBe(true);

    // Over what the server relays at all: refused at the door with a typed error.
    const oversized = encode(opsMessage(Array.from({ length: 40 }, (_, i) => op({ field: 'why', value: 'y'.repeat(999), clock: 2000 + i }))));
    expect(oversized.byteLength).toBeGreaterThan(MLS_MAX_APPLICATION);
    const refused = await host.sendApplication(oversized);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe('invalid_payload');

    // A well-formed edit sent after them all arrives: the page read every message before it, and refused them.
    await host.sendApplication(encode(opsMessage([op({ field: 'why', value: 'Kendali: pesan sah dari konselor', clock: 5 })])));
    await expect.poll(() => fieldValue('why'), { timeout: 30_000 }).toBe('Kendali: pesan sah dari konselor');
    expect(await fieldValue('change')).toBe('Rencana asli klien');
    expect(await client.page.getByTestId('plan-step').count()).toBe(0);
    expect(await client.page.getByTestId('encryption').getAttribute('data-state')).toBe('encrypted');
    expect(pageErrors).toEqual([]);
    expect(host.failures()).toEqual([]);

    // The client's own edits still reach the peer: the session goes on.
    await client.page.getByTestId('plan-progress').fill('Masih berjalan');
    await expect
      .poll(() => host.received.some((p) => p.kind === 'plan-ops' && p.ops.some((o) => o.op === 'field' && o.value === 'Masih berjalan')), { timeout: 30_000 })
      .toBe(true);
  }, 240_000);
});
