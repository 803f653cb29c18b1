import type { ApplicationPayload } from '@care/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/api-error.js';
import { announcements } from './link-double.test-support.js';
import { SessionMessages, type MessageChannel } from './session-messages.svelte.js';

/** The group's channel as the messages see it: what was sent, answered as the test says. */
class ChannelDouble implements MessageChannel {
  readonly sent: ApplicationPayload[] = [];
  failWith: Error | undefined;
  async send(payload: ApplicationPayload): Promise<{ sentAt: string }> {
    this.sent.push(payload);
    if (this.failWith) throw this.failWith;
    return { sentAt: '2026-12-05T10:00:00.000Z' };
  }
}

/** `early`: the room's group is not set up yet, so there is no channel. */
function messages({ host = false, early = false, circle = false } = {}) {
  const channel = early ? undefined : new ChannelDouble();
  const { said, announce } = announcements();
  const part = new SessionMessages({
    channel: () => channel,
    myPeerId: () => 'me',
    nameOf: (peerId) => `name of ${peerId}`,
    isHost: () => host,
    isCircle: () => circle,
    announce,
  });
  return { part, channel, said };
}

const uuid = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SessionMessages, arriving', () => {
  it('shows a chat line once, under its sender, even when it is resent after a re-key', () => {
    const { part } = messages();
    part.received('p1', { kind: 'chat', id: uuid(1), text: 'Selamat pagi' }, 't1');
    part.received('p1', { kind: 'chat', id: uuid(1), text: 'Selamat pagi' }, 't2');
    expect(part.chat).toEqual([{ id: uuid(1), mine: false, from: 'name of p1', text: 'Selamat pagi', sentAt: 't1' }]);
  });

  it('shows a reaction on its sender for a few seconds and announces it', () => {
    const { part, said } = messages();
    part.received('p1', { kind: 'reaction', id: uuid(2), reaction: 'heart' }, 't1');
    expect(part.reactions).toEqual([{ id: uuid(2), peerId: 'p1', reaction: 'heart' }]);
    expect(said).toEqual(['reaction.heart.from:name of p1']);
    vi.advanceTimersByTime(4000);
    expect(part.reactions).toEqual([]);
  });

  it('shows an emergency contact to the host only', () => {
    const contact: ApplicationPayload = { kind: 'emergency-contact', id: uuid(3), name: 'Siti', phone: '+62 812 3456 7890', relation: 'istri' };
    const host = messages({ host: true });
    host.part.received('p1', contact, 't1');
    expect(host.part.emergencyContact).toEqual({ name: 'Siti', phone: '+62 812 3456 7890', relation: 'istri', sentAt: 't1' });
    const member = messages();
    member.part.received('p1', contact, 't1');
    expect(member.part.emergencyContact).toBeUndefined();
  });
});

describe('SessionMessages, sending', () => {
  it('sends a trimmed line and takes the time the server relayed it', async () => {
    const { part, channel } = messages();
    expect(await part.sendChat('  halo  ')).toBe(true);
    expect(channel?.sent).toEqual([{ kind: 'chat', id: expect.any(String), text: 'halo' }]);
    expect(part.chat).toEqual([{ id: expect.any(String), mine: true, text: 'halo', sentAt: '2026-12-05T10:00:00.000Z' }]);
  });

  it('keeps a line that did not go, marked failed; sends nothing blank or before the group is there', async () => {
    const failing = messages();
    if (failing.channel) failing.channel.failWith = new ApiError('stale_epoch', 'again');
    expect(await failing.part.sendChat('halo')).toBe(false);
    expect(failing.part.chat[0]?.failed).toBe(true);
    expect(await failing.part.sendChat('   ')).toBe(false);
    expect(failing.part.chat).toHaveLength(1);

    const early = messages({ early: true });
    expect(await early.part.sendChat('halo')).toBe(false);
    expect(early.part.chat).toEqual([]);
  });

  it('shows our own reaction on our tile as it goes', async () => {
    const { part, channel } = messages();
    await part.react('thanks');
    expect(part.reactions).toEqual([{ id: expect.any(String), peerId: 'me', reaction: 'thanks' }]);
    expect(channel?.sent).toEqual([{ kind: 'reaction', id: part.reactions[0]?.id, reaction: 'thanks' }]);
  });

  it('says whether the emergency contact went, and why not', async () => {
    const contact = { name: 'Siti', phone: '+62 812 3456 7890', relation: 'istri' };
    const ok = messages();
    expect(await ok.part.shareEmergencyContact(contact)).toBeUndefined();
    expect(ok.part.emergencyShared).toBe(true);

    const refused = messages();
    if (refused.channel) refused.channel.failWith = new ApiError('rate_limited', 'slow down');
    expect(await refused.part.shareEmergencyContact(contact)).toBe('errors.rate_limited');
    expect(refused.part.emergencyShared).toBe(false);

    expect(await messages({ early: true }).part.shareEmergencyContact(contact)).toBe('errors.unavailable');
  });
});

describe('SessionMessages, check-ins (1:1 only)', () => {
  const result = { kind: 'checkin-result', id: uuid(5), instrument: 'who5', score: 96, takenOn: '2026-12-05' } as const;
  const suggestion = { kind: 'checkin-suggestion', id: uuid(6), instrument: 'phq9' } as const;

  it('the counselor sees a result the client shows, once; the client keeps a suggestion, once', () => {
    const counselor = messages({ host: true }).part;
    counselor.received('p1', result, 't1');
    counselor.received('p1', result, 't2');
    expect(counselor.checkinResults).toEqual([{ ...result, sentAt: 't1' }]);
    counselor.received('p1', suggestion, 't1');
    expect(counselor.suggestedCheckins).toEqual([]);

    const client = messages().part;
    client.received('p2', suggestion, 't1');
    client.received('p2', { ...suggestion, id: uuid(7) }, 't2');
    expect(client.suggestedCheckins).toEqual(['phq9']);
    client.received('p2', result, 't1');
    expect(client.checkinResults).toEqual([]);
  });

  it('in a circle neither is taken from anyone', () => {
    const facilitator = messages({ host: true, circle: true }).part;
    facilitator.received('p1', result, 't1');
    expect(facilitator.checkinResults).toEqual([]);
    const member = messages({ circle: true }).part;
    member.received('p1', suggestion, 't1');
    expect(member.suggestedCheckins).toEqual([]);
  });

  it('sharing sends the score and date only; a failed send says why', async () => {
    const { part, channel } = messages();
    expect(await part.shareCheckin({ instrument: 'who5', score: 52, takenOn: '2026-12-05' })).toBeUndefined();
    expect(channel?.sent).toEqual([{ kind: 'checkin-result', id: expect.any(String), instrument: 'who5', score: 52, takenOn: '2026-12-05' }]);
    channel!.failWith = new ApiError('stale_epoch', 'again');
    expect(await part.suggestCheckin('gad7')).toBe('errors.stale_epoch');
    expect(await messages({ early: true }).part.shareCheckin({ instrument: 'who5', score: 52, takenOn: '2026-12-05' })).toBe('errors.unavailable');
  });
});
