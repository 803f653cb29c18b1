import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../integration/scheduling/scheduling-app.js';
import { connect, login, sessionHeaders, startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { fromAddress, postJson } from './credential-requests.js';
import { pause } from './session-sockets.js';

/*
 * Someone who knows the old password keeps signing in, as fast as they can
 * and in parallel, while the owner changes it. A sign-in whose password
 * check read the old password before the change, but whose session was
 * written after the change ended the others, would otherwise survive: each
 * sign-in carries the stamp of the password it checked, and a changed stamp
 * voids it. No sign-in of the intruder survives; the owner's goes on.
 */

// The createAccounts password.
const PASSWORD = 'not-used-by-these-tests';
let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(() => t.close());

describe('changing a password while an intruder signs in with the old one', () => {
  it('leaves the intruder no working sign-in, however the sign-ins and the change interleave', async () => {
    const [account] = await createAccounts(t, 'asn', 1, 'raced');
    const email = (await t.platform.db.users.findById(account!.id))!.email;
    const owner = await login(t.url, email, PASSWORD);
    const intruder: string[] = [];
    let changed = false;

    // Four streams of sign-ins, each from its own address (so no limit stops them), until a while after the change.
    const streams = Array.from({ length: 4 }, async (_, stream) => {
      for (let afterChange = 0; afterChange < 5; ) {
        const answer = await postJson(t.url, '/api/auth/login', { email, password: PASSWORD }, fromAddress(`192.0.2.${stream + 1}`));
        if (answer.cookie) intruder.push(answer.cookie);
        if (changed) afterChange += 1;
      }
    });
    await pause(300);
    const change = await postJson(t.url, '/api/auth/password', { currentPassword: PASSWORD, newPassword: 'the-owners-new-password' }, sessionHeaders(owner));
    changed = true;
    await Promise.all(streams);

    expect(change.status).toBe(200);
    expect(intruder.length).toBeGreaterThan(4);
    for (const cookie of intruder) {
      expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
      await expect(connect(t.url, cookie)).rejects.toThrow(/unauthenticated/);
    }
    // The owner goes on, under the cookie the change gave them (the old one is void).
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie: change.cookie! } })).status).toBe(200);
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie: owner } })).status).toBe(401);
  });
});
