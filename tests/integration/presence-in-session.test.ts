import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, follow, presenceBecomes, startPresenceScene, type PresenceScene } from '../support/presence-scene.js';

/*
 * "In a session": a counselor hosting a room shows as busy to the clients
 * waiting for them — except to the client of that very session, for whom
 * the counselor is simply online (they are about to let them in).
 */
let s: PresenceScene;

beforeAll(async () => {
  s = await startPresenceScene();
});

afterAll(async () => {
  await s?.close();
});

describe('a counselor in a session, as the people waiting see it', () => {
  it('shows the counselor in a session while they facilitate a circle, and online again when they leave it', async () => {
    const client = await s.open(s.cookies.client);
    const laterClient = await s.open(s.cookies.laterClient);
    const counselor = await s.open(s.cookies.counselor);
    expect(await follow(client, s.ids.counselor)).toEqual({ userId: s.ids.counselor, online: true, status: 'online' });
    expect((await follow(laterClient, s.ids.counselor))?.status).toBe('online');

    const busyToClient = presenceBecomes(client, s.ids.counselor, 'in_session');
    const busyToLater = presenceBecomes(laterClient, s.ids.counselor, 'in_session');
    expect(((await ask(counselor, 'room:join', { sessionId: s.meetingId })) as { ok: boolean }).ok).toBe(true);
    expect(await busyToClient).toEqual({ userId: s.ids.counselor, online: true, status: 'in_session' });
    await busyToLater;
    // Asked afresh (a page opened now), the answer is the same.
    expect((await follow(client, s.ids.counselor))?.status).toBe('in_session');

    const freeAgain = presenceBecomes(client, s.ids.counselor, 'online');
    expect(((await ask(counselor, 'room:leave', {})) as { ok: boolean }).ok).toBe(true);
    expect((await freeAgain).status).toBe('online');
    expect((await follow(laterClient, s.ids.counselor))?.status).toBe('online');
  });

  it("shows the counselor online, not busy, to the client of the session they are in; busy to their next client", async () => {
    const client = await s.open(s.cookies.client);
    const laterClient = await s.open(s.cookies.laterClient);
    const counselor = await s.open(s.cookies.counselor);
    await follow(client, s.ids.counselor);
    await follow(laterClient, s.ids.counselor);

    const busyToLater = presenceBecomes(laterClient, s.ids.counselor, 'in_session');
    const updates: string[] = [];
    (client as unknown as { on(e: string, h: (u: { status: string }) => void): void }).on('presence:update', (u) => updates.push(u.status));
    expect(((await ask(counselor, 'room:join', { sessionId: s.appointmentId })) as { ok: boolean }).ok).toBe(true);
    await busyToLater;
    expect(await follow(client, s.ids.counselor)).toEqual({ userId: s.ids.counselor, online: true, status: 'online' });
    expect(updates).not.toContain('in_session');

    // The connection in the room drops: no longer busy (the counselor's tab from the test before is still open).
    const free = presenceBecomes(laterClient, s.ids.counselor, 'online');
    counselor.close();
    expect((await free).online).toBe(true);
  });

  it('two connections: busy while either hosts a room, online when neither does', async () => {
    const client = await s.open(s.cookies.client);
    const first = await s.open(s.cookies.counselor);
    const second = await s.open(s.cookies.counselor);
    await follow(client, s.ids.counselor);
    const busy = presenceBecomes(client, s.ids.counselor, 'in_session');
    await ask(first, 'room:join', { sessionId: s.meetingId });
    await busy;
    // The other connection (a second tab, on the appointments page) does not make them free.
    second.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await follow(client, s.ids.counselor))?.status).toBe('in_session');
    const free = presenceBecomes(client, s.ids.counselor, 'online');
    await ask(first, 'room:leave', {});
    await free;
  });
});
