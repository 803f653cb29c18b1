import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, follow, startPresenceScene, type PresenceScene } from '../support/presence-scene.js';

/*
 * "In a session" says something about a counselor to their clients. Said of
 * a client it would tell one counselor that their client sees someone else
 * (or sits in a support circle) right now: so it is never said of anyone
 * but a host who is a counselor, and never to strangers.
 */
let s: PresenceScene;

beforeAll(async () => {
  s = await startPresenceScene();
});

afterAll(async () => {
  await s?.close();
});

describe('presence does not tell on clients', () => {
  it("a counselor following their client never learns the client is in a circle or another session", async () => {
    const counselor = await s.open(s.cookies.counselor);
    const laterClient = await s.open(s.cookies.laterClient);
    const seen: string[] = [];
    (counselor as unknown as { on(e: string, h: (u: { userId: string; status: string }) => void): void }).on('presence:update', (u) => {
      if (u.userId === s.ids.laterClient) seen.push(u.status);
    });
    expect((await follow(counselor, s.ids.laterClient))?.status).toBe('online');

    // The client enters the circle's meeting (the same counselor facilitates it, from another tab).
    const facilitatorTab = await s.open(s.cookies.counselor);
    expect(((await ask(facilitatorTab, 'room:join', { sessionId: s.meetingId })) as { ok: boolean }).ok).toBe(true);
    await ask(laterClient, 'lobby:knock', { sessionId: s.meetingId });
    expect(((await ask(facilitatorTab, 'lobby:admit', { sessionId: s.meetingId, userId: s.ids.laterClient })) as { ok: boolean }).ok).toBe(true);
    expect(((await ask(laterClient, 'room:join', { sessionId: s.meetingId })) as { ok: boolean }).ok).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await follow(counselor, s.ids.laterClient))?.status).toBe('online');
    expect(seen).not.toContain('in_session');
  });

  it('a stranger learns nothing, busy or not', async () => {
    const counselor = await s.open(s.cookies.counselor);
    await ask(counselor, 'room:join', { sessionId: s.meetingId });
    // Rina (asn3) has no appointment with the counselor, only a circle seat: no presence at all.
    const { demoAccounts } = await import('@care/server');
    const { login } = await import('../support/test-platform.js');
    const stranger = await s.open(await login(s.t.url, demoAccounts[4].email, demoAccounts[4].password));
    const answer = (await ask(stranger, 'presence:subscribe', { userIds: [s.ids.counselor] })) as { ok: boolean; data: unknown[] };
    expect(answer).toEqual({ ok: true, data: [] });
  });
});
