import { demoAccounts, requestBudgets } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { growth, rateLimitedCounts } from '../support/rate-limit-metrics.js';
import { ask, connect, enterRoomTogether, login, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * The chat relay reads the group's epoch from Redis while the sender's
 * person-wide budget is still being spent there (one round trip for both:
 * `onLookupRequest`). A person who spreads chat over several connections
 * must still be stopped by that budget, before the relay: once it is spent,
 * the line of the connection that sits in the room is refused and reaches
 * nobody. Lines from connections outside any room are answered `not_in_room`
 * while the budget lasts, and `rate_limited` after, as before.
 */

const asn = demoAccounts[1]!;
let t: TestPlatform;
let host: TestSocket;
let client: TestSocket;
const spare: TestSocket[] = [];

type Answer = { ok: true; data: unknown } | { ok: false; error: { code: string } };

beforeAll(async () => {
  t = await startTestPlatform();
  ({ host, client } = await enterRoomTogether(t));
  const cookie = await login(t.url, asn.email, asn.password);
  for (let i = 0; i < 3; i += 1) spare.push(await connect(t.url, cookie));
}, 60_000);

afterAll(async () => {
  for (const socket of [host, client, ...spare]) socket?.close();
  await t?.close();
});

describe("a person's chat budget, spread over connections", () => {
  it("spent from outside the room, it stops the line of the connection inside it: refused, relayed to nobody", async () => {
    const perConnection = requestBudgets.chat.perConnection.points;
    const perUser = requestBudgets.chat.perUser.points;
    // Enough connections outside the room to spend the person's whole budget within each one's own.
    const spenders = spare.slice(0, Math.ceil(perUser / perConnection));
    expect(spenders.length * perConnection).toBeGreaterThanOrEqual(perUser);
    const before = await rateLimitedCounts(t.url);
    const heard: unknown[] = [];
    const listener = (payload: unknown) => heard.push(payload);
    (host as unknown as { on(e: string, l: typeof listener): void }).on('mls:message', listener);
    try {
      const outside = (await Promise.all(
        spenders.flatMap((socket, i) =>
          Array.from({ length: Math.min(perConnection, perUser - i * perConnection) }, (_, k) => ask(socket, 'mls:message', { epoch: 0, message: new Uint8Array([i + 1, k + 1]) })),
        ),
      )) as Answer[];
      expect(outside).toHaveLength(perUser);
      expect(outside.filter((a) => !a.ok && a.error.code === 'not_in_room')).toHaveLength(perUser);

      const inside = (await Promise.all(Array.from({ length: 5 }, (_, k) => ask(client, 'mls:message', { epoch: 0, message: new Uint8Array([9, k + 1]) })))) as Answer[];
      expect(inside.map((a) => (a.ok ? 'ok' : a.error.code))).toEqual(Array(5).fill('rate_limited'));
      // And a connection outside the room is now told the same, not `not_in_room`.
      const late = (await ask(spare[2]!, 'mls:message', { epoch: 0, message: new Uint8Array([7]) })) as Answer;
      expect(late.ok ? 'ok' : late.error.code).toBe('rate_limited');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(heard).toEqual([]);
    } finally {
      (host as unknown as { off(e: string, l: typeof listener): void }).off('mls:message', listener);
    }
    const grown = growth(before, await rateLimitedCounts(t.url));
    expect(grown['chat/user']).toBe(6);
    expect(grown['chat/connection']).toBeUndefined();
  });
});
