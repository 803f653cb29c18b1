import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, enterRoomTogether, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

let t: TestPlatform;
let host: TestSocket;
let client: TestSocket;
let hostJoin: { peerId: string; mls: { role: string; epoch: number | null } };
let clientJoin: { peerId: string; mls: { role: string; epoch: number | null } };

const bytes = (...values: number[]) => new Uint8Array(values);

beforeAll(async () => {
  t = await startTestPlatform();
  const pair = await enterRoomTogether(t);
  ({ host, client } = pair);
  hostJoin = pair.hostJoin as typeof hostJoin;
  clientJoin = pair.clientJoin as typeof clientJoin;
});

afterAll(async () => {
  host?.close();
  client?.close();
  await t.close();
});

describe('MLS delivery service', () => {
  it('lets the first peer create the group and tells the next to join it', () => {
    expect(hostJoin.mls).toEqual({ role: 'create', epoch: 0 });
    expect(clientJoin.mls).toEqual({ role: 'join', epoch: 0 });
  });

  it('forwards a KeyPackage to the members, and a Welcome to the joiner, as bytes', async () => {
    const arrived = nextEvent<{ peerId: string; keyPackage: Uint8Array }>(host, 'mls:key-package');
    expect(await ask(client, 'mls:publish-key-package', { keyPackage: bytes(1, 2, 3) })).toEqual({ ok: true, data: {} });
    const { peerId, keyPackage } = await arrived;
    expect(peerId).toBe(clientJoin.peerId);
    expect([...new Uint8Array(keyPackage)]).toEqual([1, 2, 3]);

    const welcomed = nextEvent<{ epoch: number; welcome: Uint8Array }>(client, 'mls:welcome');
    const result = await ask(host, 'mls:commit', { epoch: 0, commit: bytes(9), welcome: bytes(7, 7), welcomePeerIds: [peerId] });
    expect(result).toEqual({ ok: true, data: { accepted: true, epoch: 1 } });
    const welcome = await welcomed;
    expect(welcome.epoch).toBe(1);
    expect([...new Uint8Array(welcome.welcome)]).toEqual([7, 7]);
  });

  it('accepts exactly one of two commits for the same epoch; the other is told the current epoch', async () => {
    const results = (await Promise.all([
      ask(host, 'mls:commit', { epoch: 1, commit: bytes(1) }),
      ask(client, 'mls:commit', { epoch: 1, commit: bytes(2) }),
    ])) as Array<{ ok: true; data: { accepted: boolean; epoch: number } }>;
    expect(results.filter((r) => r.data.accepted)).toHaveLength(1);
    expect(results.find((r) => !r.data.accepted)?.data.epoch).toBe(2);
    const stale = (await ask(host, 'mls:commit', { epoch: 0, commit: bytes(3) })) as { data: { accepted: boolean } };
    expect(stale.data.accepted).toBe(false);
  });

  it('relays application messages as opaque bytes to the others', async () => {
    const arrived = nextEvent<{ fromPeerId: string; message: Uint8Array }>(host, 'mls:message');
    const sent = (await ask(client, 'mls:message', { epoch: 2, message: bytes(42, 43) })) as { ok: boolean };
    expect(sent.ok).toBe(true);
    const message = await arrived;
    expect(message.fromPeerId).toBe(clientJoin.peerId);
    expect([...new Uint8Array(message.message)]).toEqual([42, 43]);
  });

  it('refuses text where bytes belong, and oversized messages, with a typed error', async () => {
    const text = (await ask(client, 'mls:message', { epoch: 2, message: 'hello' })) as { ok: boolean; error: { code: string; message: string } };
    expect(text.ok).toBe(false);
    expect(text.error.code).toBe('invalid_payload');
    expect(text.error.message).toContain('message must be binary');
    const huge = (await ask(client, 'mls:message', { epoch: 2, message: new Uint8Array(17 * 1024) })) as { ok: boolean; error: { message: string } };
    expect(huge.error.message).toContain('at most');
  });
});
