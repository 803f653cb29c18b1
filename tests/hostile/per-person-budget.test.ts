import { demoAccounts, requestBudgets } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { growth, rateLimitedCounts } from '../support/rate-limit-metrics.js';
import { ask, connect, login, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * Spreading a flood over many connections on several nodes does not multiply
 * it: besides each connection's budget (memory), each person has one budget
 * per family in Redis, spent atomically, which every node draws on.
 */

const asn = demoAccounts[1];
let nodeA: TestPlatform;
let nodeB: TestPlatform;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  nodeA = await startTestPlatform();
  // A second node on the same Redis and database.
  nodeB = await startTestPlatform({ MONGODB_DB: nodeA.dbName });
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await nodeB?.close();
  await nodeA?.close();
});

type Answer = { ok: true; data: unknown } | { ok: false; error: { code: string } };

describe("a person's budget across connections and nodes", () => {
  it('three connections on each of two nodes knock ten times each at once: the person gets their budget once, not six times', async () => {
    const cookie = await login(nodeA.url, asn.email, asn.password);
    const appointment = await nodeA.platform.db.appointments.findOne({});
    const sessionId = String(appointment?._id);
    for (const node of [nodeA, nodeA, nodeA, nodeB, nodeB, nodeB]) sockets.push(await connect(node.url, cookie));
    const before = [await rateLimitedCounts(nodeA.url), await rateLimitedCounts(nodeB.url)] as const;

    const answers = (await Promise.all(sockets.flatMap((socket) => Array.from({ length: 10 }, () => ask(socket, 'lobby:knock', { sessionId }))))) as Answer[];
    const perConnection = requestBudgets.knock.perConnection.points;
    const perUser = requestBudgets.knock.perUser.points;
    expect(perConnection * sockets.length).toBeGreaterThan(perUser);
    expect(answers.filter((a) => a.ok)).toHaveLength(perUser);
    expect(answers.filter((a) => !a.ok && a.error.code === 'rate_limited')).toHaveLength(answers.length - perUser);

    // Each node counted what it refused: past each connection's budget, then past the person's.
    const grown = [growth(before[0], await rateLimitedCounts(nodeA.url)), growth(before[1], await rateLimitedCounts(nodeB.url))];
    const sum = (key: string) => (grown[0]?.[key] ?? 0) + (grown[1]?.[key] ?? 0);
    expect(sum('knock/connection')).toBe(sockets.length * (10 - perConnection));
    expect(sum('knock/user')).toBe(sockets.length * perConnection - perUser);
    expect(grown[0]?.['knock/user']).toBeGreaterThan(0);
    expect(grown[1]?.['knock/user']).toBeGreaterThan(0);
  });
});
