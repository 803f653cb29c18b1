import type { LobbyEntry } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/api-error.js';
import { announcements, LinkDouble, type Answers } from './link-double.test-support.js';
import { SessionLobby } from './session-lobby.svelte.js';

const SESSION = 'aaaaaaaaaaaaaaaaaaaaaaaa';

/** A 1:1's participant sees the counselor's presence; a circle has no one other person. */
function lobby(answers: Answers = {}, { circle = false } = {}) {
  const other = circle ? undefined : { id: 'counselor' };
  const link = new LinkDouble(answers);
  const { said, announce } = announcements();
  const errors: unknown[] = [];
  const part = new SessionLobby({ link, sessionId: () => SESSION, other: () => other, announce, onError: (e) => errors.push(e) });
  return { part, link, said, errors };
}

const entry = (userId: string, sessionId = SESSION): LobbyEntry => ({ sessionId, userId, displayName: `name of ${userId}`, since: new Date(0).toISOString() });

describe('SessionLobby, waiting', () => {
  it('knocks for this session and says whether the host already let us in', async () => {
    const { part, link } = lobby({ 'lobby:knock': () => ({ admitted: true }) });
    part.refused = 'locked';
    expect(await part.knock()).toBe(true);
    expect(link.sent).toEqual([{ event: 'lobby:knock', payload: { sessionId: SESSION } }]);
    expect(part.refused).toBeUndefined();
  });

  it('shows a locked room as a refusal, and throws any other error', async () => {
    const locked = lobby({
      'lobby:knock': () => {
        throw new ApiError('room_locked', 'locked');
      },
    });
    expect(await locked.part.knock()).toBe(false);
    expect(locked.part.refused).toBe('locked');

    const removed = lobby({
      'lobby:knock': () => {
        throw new ApiError('removed', 'removed');
      },
    });
    await expect(removed.part.knock()).rejects.toMatchObject({ code: 'removed' });
  });

  it('does not knock without a connection (it knocks again on connecting)', async () => {
    const { part, link } = lobby({ 'lobby:knock': () => ({ admitted: true }) });
    link.connected = false;
    expect(await part.knock()).toBe(false);
    expect(link.sent).toEqual([]);
  });

  it('takes a late notice for this session only', () => {
    const { part } = lobby();
    part.late({ sessionId: 'bbbbbbbbbbbbbbbbbbbbbbbb', minutes: 5 });
    expect(part.lateMinutes).toBeUndefined();
    part.late({ sessionId: SESSION, minutes: 10 });
    expect(part.lateMinutes).toBe(10);
  });

  it("follows the counselor's presence, and nobody else's", async () => {
    const { part } = lobby({ 'presence:subscribe': ({ userIds }) => userIds.map((userId) => ({ userId, online: true, status: 'in_session' as const })) });
    await part.refreshPresence();
    expect(part.otherStatus).toBe('in_session');
    part.presenceChanged({ userId: 'someone-else', online: false, status: 'offline' });
    expect(part.otherStatus).toBe('in_session');
    part.presenceChanged({ userId: 'counselor', online: true, status: 'online' });
    expect(part.otherStatus).toBe('online');
    part.presenceChanged({ userId: 'counselor', online: false, status: 'offline' });
    expect(part.otherStatus).toBe('offline');
  });

  it('treats presence as a courtesy: a refusal changes nothing, and a circle asks for none', async () => {
    const refused = lobby();
    await refused.part.refreshPresence();
    expect(refused.part.otherStatus).toBeUndefined();

    const circle = lobby({}, { circle: true });
    await circle.part.refreshPresence();
    expect(circle.link.sent).toEqual([]);
  });
});

describe('SessionLobby, hosting', () => {
  it('queues each knock once, for this session only, and announces it', () => {
    const { part, said } = lobby();
    part.knocked(entry('u1'));
    part.knocked(entry('u2'));
    part.knocked(entry('u1'));
    part.knocked(entry('u3', 'bbbbbbbbbbbbbbbbbbbbbbbb'));
    expect(part.queue.map((e) => e.userId)).toEqual(['u2', 'u1']);
    expect(said).toEqual(['lobby.knocked:name of u1', 'lobby.knocked:name of u2', 'lobby.knocked:name of u1']);
    part.left('u2');
    expect(part.queue.map((e) => e.userId)).toEqual(['u1']);
  });

  it('admits one or all, and shows a refusal as an error', async () => {
    const { part, link, errors } = lobby({
      'lobby:admit': ({ userId }) => {
        if (userId === 'gone') throw new ApiError('not_found', 'not waiting');
        return {};
      },
      'lobby:admit-all': () => ({ admitted: 2 }),
    });
    part.knocked(entry('u1'));
    part.knocked(entry('u2'));
    part.knocked(entry('u3'));
    await part.admit('u1');
    expect(part.queue.map((e) => e.userId)).toEqual(['u2', 'u3']);
    await part.admit('gone');
    expect(errors).toEqual([expect.objectContaining({ code: 'not_found' })]);
    await part.admitAll();
    expect(part.queue).toEqual([]);
    expect(link.events()).toEqual(['lobby:admit', 'lobby:admit', 'lobby:admit-all']);
  });

  it('reads the queue from the server, and shows none when it cannot', async () => {
    const { part } = lobby({ 'lobby:watch': () => [entry('u1')] });
    await part.refreshQueue();
    expect(part.queue.map((e) => e.userId)).toEqual(['u1']);

    const failing = lobby();
    failing.part.knocked(entry('u9'));
    await failing.part.refreshQueue();
    expect(failing.part.queue).toEqual([]);
  });

  it('says whether the late notice went', async () => {
    const { part, link } = lobby({ 'lobby:late': () => ({}) });
    expect(await part.sendLate(5)).toBe(true);
    expect(link.sent).toEqual([{ event: 'lobby:late', payload: { sessionId: SESSION, minutes: 5 } }]);
    const refused = lobby();
    expect(await refused.part.sendLate(15)).toBe(false);
    expect(refused.errors).toHaveLength(1);
  });
});
