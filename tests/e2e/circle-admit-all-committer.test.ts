import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupOnServer, memberPageJoins, startCircleMeeting, type CircleMeeting } from '../support/circle-meeting.js';
import { encrypted, settleOnOneCode } from '../support/group-view.js';
import { openSessionById } from '../support/session-flow.js';
import { eventsNamed, recordSocketEvents, socketEvents, type SeenEvent } from '../support/socket-frames.js';

/*
 * Issue 15: "admit all" with the committer present and working costs one
 * commit — the committer's — and no member waits out the fallback timer
 * (5 s, then 2 s more per rank) to commit in its place. The record: every
 * commit and Welcome the server delivered (read from each page's real
 * WebSocket frames), every commit each page sent, and the group the
 * delivery service keeps (epoch and leaves) — watched for longer than the
 * fallback wait of every member.
 */
const [facilitator, ...rest] = demoAccounts;
const [m1, m2, m3] = rest.filter((a) => a.role === 'asn');
/** Longer than the last member's fallback wait (5 s + 2 s per member before it, three members). */
const PAST_EVERY_FALLBACK_MS = 12_000;

let c: CircleMeeting;
/** The two let in together by the first test, and the facilitator's page. */
let together: Page[] = [];
let facilitatorPage: Page | undefined;

beforeAll(async () => {
  c = await startCircleMeeting();
}, 120_000);

afterAll(() => c?.h.close());

const commitsSent = (events: { sent: SeenEvent[] }) => eventsNamed(events.sent, 'mls:commit').length;

describe('a circle\'s "admit all" with its committer present', () => {
  it('is one commit by the facilitator: every member decrypts, nobody falls back', { timeout: 480_000 }, async () => {
    if (!facilitator || !m1 || !m2 || !m3) throw new Error('demo accounts missing');
    const { page: host } = await c.h.signIn(facilitator.email, facilitator.password, { prepare: recordSocketEvents });
    await openSessionById(host, c.meetingId);
    await host.getByTestId('circle-grid').waitFor();

    // One member in first, so the group has a member that is not the committer and hears the commit.
    const firstPage = await memberPageJoins(c, host, m1, { prepare: recordSocketEvents });
    const before = await groupOnServer(c);
    const hostCommitsBefore = commitsSent(await socketEvents(host));

    const waiting: Page[] = [];
    for (const account of [m2, m3]) {
      const { page } = await c.h.signIn(account.email, account.password, { prepare: recordSocketEvents });
      await page.goto(`/session/${c.meetingId}`);
      await page.getByTestId('consent-accept').click();
      await page.getByTestId('devices-ready').click();
      await page.locator('[data-testid="lobby"][data-prepared="true"]').waitFor({ timeout: 30_000 });
      waiting.push(page);
    }
    await host.getByTestId('admit').nth(1).waitFor();
    await host.getByTestId('admit-all').click();
    together = waiting;
    facilitatorPage = host;

    const everyone = [host, firstPage, ...waiting];
    for (const page of everyone) await encrypted(page).waitFor({ timeout: 60_000 });
    const code = await settleOnOneCode(everyone);
    // Past every member's fallback wait: any fallback commit would have been sent, and delivered, by now.
    await host.waitForTimeout(PAST_EVERY_FALLBACK_MS);
    expect(await settleOnOneCode(everyone)).toBe(code);

    // One epoch for all three arrivals … (before: the facilitator and the first member)
    const after = await groupOnServer(c);
    expect(after.epoch).toBe(before.epoch + 1);
    expect(after.leaves.filter(Boolean)).toHaveLength(4);
    // … committed by the facilitator alone: its one commit was the one delivered, members committed nothing.
    expect(commitsSent(await socketEvents(host)) - hostCommitsBefore).toBe(1);
    const firstEvents = await socketEvents(firstPage);
    const heard = eventsNamed(firstEvents.received, 'mls:commit').filter((commit) => Number(commit.epoch) >= before.epoch);
    expect(heard).toHaveLength(1);
    expect(heard[0]?.fromPeerId).toBe(before.leaves[0]);
    expect(commitsSent(firstEvents)).toBe(0);
    for (const page of waiting) {
      const events = await socketEvents(page);
      expect(commitsSent(events)).toBe(0);
      expect(eventsNamed(events.received, 'mls:welcome').map((w) => Number(w.epoch))).toEqual([after.epoch]);
    }
  });

  it('those let in together hear each other announce and answer only those who were there before; a line missed by a reconnect still comes', { timeout: 300_000 }, async () => {
    const [second, third] = together;
    if (!second || !third || !facilitatorPage || !m2 || !m3) throw new Error('the first test did not let the two in');
    const { platform } = c.h.t;
    const userOf = async (email: string) => String((await platform.db.users.findOne({ email }))?._id);
    const peerOf = async (email: string) => {
      const user = await userOf(email);
      const socket = [...platform.io.sockets.sockets.values()].find((s) => s.data.user?.id === user);
      return socket ? platform.live.rooms.peerOf(socket.id).peerId : '';
    };
    const [secondId, thirdId] = [await peerOf(m2.email), await peerOf(m3.email)];
    expect(secondId).not.toBe('');
    expect(thirdId).not.toBe('');
    // Answers go to one peer (`to`); the newcomers' own announcements go to everyone.
    const addressedTo = async (page: Page) => eventsNamed((await socketEvents(page)).sent, 'mls:message').map((m) => m.to).filter(Boolean);
    expect(await addressedTo(second)).not.toContain(thirdId);
    expect(await addressedTo(third)).not.toContain(secondId);
    // Those already in the group (the facilitator, the first member) did answer each newcomer.
    const facilitatorAnswers = await addressedTo(facilitatorPage);
    expect(facilitatorAnswers).toContain(secondId);
    expect(facilitatorAnswers).toContain(thirdId);

    // Without answers between them, each still knows the other's stream from its announcement.
    await third.context().setOffline(true);
    const thirdUser = await userOf(m3.email);
    for (const socket of platform.io.sockets.sockets.values()) if (socket.data.user?.id === thirdUser) socket.conn.close();
    await third.locator('[data-testid="connection-state"][data-state="reconnecting"]').waitFor({ timeout: 30_000 });
    const missed = 'Terlewat saat Anda terputus.';
    await second.getByTestId('chat-input').fill(missed);
    await second.getByTestId('chat-input').press('Enter');
    await second.getByTestId('chat-mine').filter({ hasText: missed }).waitFor({ timeout: 30_000 });
    await third.context().setOffline(false);
    await third.getByTestId('chat-theirs').filter({ hasText: missed }).waitFor({ timeout: 60_000 });
    expect(await third.getByTestId('chat-theirs').filter({ hasText: missed }).count()).toBe(1);
  });
});
