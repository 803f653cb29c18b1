import { demoAccounts } from '@care/server';
import type { TotpSetupView } from '@care/shared';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../integration/accounts/accounts-app.js';
import { createAccounts } from '../integration/scheduling/scheduling-app.js';
import { connect, login, sessionHeaders, type TestPlatform } from '../support/test-platform.js';
import { postJson } from './credential-requests.js';
import { endingOf, pause, statusOfMe as me, stillServed, TwoSessionNodes } from './session-sockets.js';

/*
 * A connection does not outlive its sign-in. Signing out, a new cookie (a
 * second factor turned on), or an administrator's deactivation end the
 * sign-in's live connections on every server node at once — and only those:
 * the same person's other sign-ins go on. Two platforms on one Redis and
 * database stand for two server nodes; the clients are real Socket.IO
 * clients, as a modified app would use.
 */

// The createAccounts password.
const PASSWORD = 'not-used-by-these-tests';
let nodes: TwoSessionNodes;
let nodeA: TestPlatform;
let nodeB: TestPlatform;

async function person(role: 'asn' | 'counselor' = 'asn'): Promise<{ id: string; email: string }> {
  const [account] = await createAccounts(nodeA, role, 1, 'signout');
  return { id: account!.id, email: (await nodeA.platform.db.users.findById(account!.id))!.email };
}

const open = (node: TestPlatform, cookie: string) => nodes.open(node, cookie);
const logout = (node: TestPlatform, cookie: string) => postJson(node.url, '/api/auth/logout', {}, sessionHeaders(cookie));

beforeAll(async () => {
  nodes = await TwoSessionNodes.start();
  ({ a: nodeA, b: nodeB } = nodes);
});
afterAll(() => nodes.close());

describe('signing out', () => {
  it('ends that sign-in’s connections on both nodes, and not the same person’s other sign-in', async () => {
    const { email } = await person();
    const [leaving, staying] = [await login(nodeA.url, email, PASSWORD), await login(nodeB.url, email, PASSWORD)];
    const leavingSockets = [await open(nodeA, leaving), await open(nodeB, leaving)];
    const stayingSockets = [await open(nodeA, staying), await open(nodeB, staying)];
    const endings = leavingSockets.map((socket) => endingOf(socket));

    expect((await logout(nodeA, leaving)).status).toBe(200);
    for (const ending of await Promise.all(endings)) expect(ending).toEqual({ reason: 'signed_out', disconnect: 'io server disconnect' });
    for (const socket of stayingSockets) expect(await stillServed(socket)).toBe(true);
    expect([await me(nodeA, leaving), await me(nodeB, leaving)]).toEqual([401, 401]);
    expect([await me(nodeA, staying), await me(nodeB, staying)]).toEqual([200, 200]);
    await expect(connect(nodeB.url, leaving)).rejects.toThrow(/unauthenticated/);
  });

  it('leaves no connection behind that raced its sign-out through the handshake', async () => {
    const { email } = await person();
    for (let round = 0; round < 40; round++) {
      const cookie = await login(nodeA.url, email, PASSWORD);
      // The connection and the sign-out go out together, to different nodes, the sign-out a little later each round.
      const [connected] = await Promise.allSettled([connect(nodeB.url, cookie), pause(round).then(() => logout(nodeA, cookie))]);
      if (connected.status === 'rejected') continue;
      const socket = nodes.track(connected.value);
      if (socket.connected) await endingOf(socket, 5000);
      expect(socket.connected).toBe(false);
    }
  });

  it('ends what the browser held before when it signs in again', async () => {
    const { email } = await person();
    const before = await login(nodeA.url, email, PASSWORD);
    const socket = await open(nodeB, before);
    const ending = endingOf(socket);
    const again = await postJson(nodeA.url, '/api/auth/login', { email, password: PASSWORD }, { cookie: before });
    expect(again.status).toBe(200);
    expect(again.cookie).not.toBe(before);
    expect(await ending).toEqual({ reason: 'signed_out', disconnect: 'io server disconnect' });
    expect(await me(nodeB, before)).toBe(401);
    expect(await me(nodeB, again.cookie!)).toBe(200);
  });
});

describe('a new cookie when the second factor changes', () => {
  it('voids the old cookie on both nodes and tells its connections to come back with the new one', async () => {
    const { email } = await person();
    const old = await login(nodeA.url, email, PASSWORD);
    const oldSocket = await open(nodeB, old);
    const ending = endingOf(oldSocket);
    const secret = (await apiClient(nodeA.url, old).post<TotpSetupView>('/account/totp/setup')).body.data!.secret;
    const code = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();

    const turnedOn = await postJson(nodeA.url, '/api/account/totp/confirm', { code }, sessionHeaders(old));
    expect(turnedOn.status).toBe(200);
    const renewed = turnedOn.cookie!;
    expect(renewed).toMatch(/^care_session=/);
    expect(renewed).not.toBe(old);

    expect(await ending).toEqual({ reason: 'renewed', disconnect: 'io server disconnect' });
    expect([await me(nodeA, old), await me(nodeB, old)]).toEqual([401, 401]);
    await expect(connect(nodeB.url, old)).rejects.toThrow(/unauthenticated/);
    expect(await stillServed(await open(nodeB, renewed))).toBe(true);
    expect(await me(nodeA, renewed)).toBe(200);
  });
});

describe('deactivation', () => {
  it('ends every connection of the person on both nodes at once', async () => {
    const counselor = await person('counselor');
    const cookies = [await login(nodeA.url, counselor.email, PASSWORD), await login(nodeB.url, counselor.email, PASSWORD)];
    const endings = [await open(nodeA, cookies[0]!), await open(nodeB, cookies[0]!), await open(nodeB, cookies[1]!)].map((s) => endingOf(s));
    const admin = apiClient(nodeB.url, await login(nodeB.url, demoAccounts[2].email, demoAccounts[2].password));

    expect((await admin.post(`/admin/users/${counselor.id}/active`, { active: false })).status).toBe(200);
    for (const ending of await Promise.all(endings)) expect(ending).toEqual({ reason: 'deactivated', disconnect: 'io server disconnect' });
    for (const cookie of cookies) expect(await me(nodeA, cookie)).toBe(401);
  });
});
