import { randomUUID } from 'node:crypto';
import { demoAccounts, requestBudgets } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ask,
  connect,
  enterRoomTogether,
  login,
  nextEvent,
  startTestPlatform,
  type TestPlatform,
  type TestSocket,
} from '../support/test-platform.js';
import { collectionHaystacks, findLeaks, needleForms, redisHaystacks } from '../support/byte-search.js';

const [counselor, asn] = demoAccounts;
let t: TestPlatform;
let host: TestSocket;
let client: TestSocket;
const canary = `canary-${randomUUID()}`;

beforeAll(async () => {
  t = await startTestPlatform();
  ({ host, client } = await enterRoomTogether(t));
});

afterAll(async () => {
  host?.close();
  client?.close();
  await t.close();
});

// Chat is end-to-end encrypted in the browsers; the server relays MLS application
// messages as bytes. Here the "ciphertext" is a canary, to prove the relay keeps nothing.
const canaryBytes = () => new TextEncoder().encode(canary);

describe('application message (chat) relay', () => {
  it('relays a message to the other person in the room, byte for byte', async () => {
    const received = nextEvent<{ message: Uint8Array }>(host, 'mls:message');
    const sent = (await ask(client, 'mls:message', { epoch: 0, message: canaryBytes() })) as { ok: boolean };
    expect(sent.ok).toBe(true);
    expect(new TextDecoder().decode((await received).message)).toBe(canary);
  });

  it('refuses messages for another epoch, so the sender re-encrypts them', async () => {
    const reply = (await ask(client, 'mls:message', { epoch: 5, message: canaryBytes() })) as { ok: boolean; error: { code: string } };
    expect(reply.error.code).toBe('stale_epoch');
  });

  it('refuses chat from someone not in a room', async () => {
    const outsider = await connect(t.url, await login(t.url, asn.email, asn.password));
    const reply = (await ask(outsider, 'mls:message', { epoch: 0, message: canaryBytes() })) as {
      ok: boolean;
      error: { code: string };
    };
    outsider.close();
    expect(reply.error.code).toBe('not_in_room');
  });

  it('slows down a flood of messages with a clear error', async () => {
    // The host has sent no chat yet: its connection's whole chat budget is there, then refusals.
    const { points } = requestBudgets.chat.perConnection;
    const replies = [];
    for (let i = 0; i < points + 4; i++) {
      replies.push((await ask(host, 'mls:message', { epoch: 0, message: new Uint8Array([i + 1]) })) as { ok: boolean; error?: { code: string } });
    }
    expect(replies.filter((r) => r.ok).length).toBe(points);
    expect(replies.filter((r) => r.error?.code === 'rate_limited').length).toBe(4);
  });
});

describe('what the server keeps', () => {
  it('holds no chat text in the database, in Redis, or in its logs', async () => {
    const db = t.platform.db.connection.db;
    if (!db) throw new Error('no database handle');
    const stores = [...(await collectionHaystacks(db)), ...(await redisHaystacks(t.platform.redis))];
    expect(findLeaks(needleForms('canary', canaryBytes()), stores)).toEqual([]);

    const logs = { label: 'server logs', bytes: Buffer.from(t.logs.join('')) };
    expect(logs.bytes.length).toBeGreaterThan(0);
    const people = [asn.displayName, counselor.displayName, asn.email, counselor.email];
    const needles = [...needleForms('canary', canaryBytes()), ...people.map((p) => ({ label: p, needle: Buffer.from(p) }))];
    expect(findLeaks(needles, [logs])).toEqual([]);
  });
});
