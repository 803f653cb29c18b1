import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { newMediaContext } from '../support/browser.js';
import type { BrowserHarness, SignedIn } from '../support/browser-harness.js';
import { createAccounts } from '../integration/scheduling/scheduling-app.js';
import { circlesClient } from '../integration/circles/circles-client.js';
import { audioDecodedFrom, clickNow, firstRemoteFrame, remoteVideoTrackId } from './page-clock.js';

/*
 * The join benchmark's scenarios, on the app in Chromium (bench:join runs
 * them; see join.bench.test.ts for what each number means).
 */

/** How long a page waits in the lobby for its preparation to be done, at most (the lobby marks it `data-prepared`). */
const PREPARED_WITHIN_MS = 15_000;

/** A lobby that says nothing of preparing (the app before issue 15) is given this long to settle instead. */
const UNPREPARED_SETTLE_MS = 2000;

/** Waits until the lobby says the page is ready to be let in (transports connected, KeyPackage published). */
async function preparedInLobby(page: Page): Promise<void> {
  const lobby = page.getByTestId('lobby');
  await lobby.waitFor();
  if ((await lobby.getAttribute('data-prepared')) === null) await page.waitForTimeout(UNPREPARED_SETTLE_MS);
  else await page.locator('[data-testid="lobby"][data-prepared="true"]').waitFor({ timeout: PREPARED_WITHIN_MS });
}

/** Opens the session page, through consent (first time only) and the device check, to the lobby, prepared. */
async function intoLobby(page: Page, url: string): Promise<void> {
  const said: string[] = [];
  page.on('console', (m) => said.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => said.push(`pageerror: ${e.message}`));
  try {
    await reachLobby(page, url);
  } catch (error) {
    throw new Error(`the lobby was not reached prepared; the page said:\n${said.join('\n')}`, { cause: error });
  }
}

async function reachLobby(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('consent-accept').or(page.getByTestId('devices-ready')).waitFor();
  if (await page.getByTestId('consent-accept').isVisible()) await page.getByTestId('consent-accept').click();
  await page.getByTestId('devices-ready').click();
  await preparedInLobby(page);
}

async function userIdOf(h: BrowserHarness, email: string): Promise<string> {
  return String((await h.t.platform.db.users.findOne({ email }))?._id);
}

export interface LobbyAdmitTimes {
  /** From the counselor's click on "admit" to the counselor's picture on the client's screen. */
  client: number[];
  /** … to the client's picture on the counselor's screen. */
  host: number[];
  /** … to both (the later of the two). */
  both: number[];
}

/**
 * (a) The client waits in the lobby (prepared); the counselor clicks
 * "admit"; each side's first frame of the other, from the click. Between
 * runs the client leaves and its admission is taken back, so it waits again.
 */
export async function lobbyAdmits(h: BrowserHarness, pair: { host: SignedIn; client: SignedIn }, runs: number): Promise<LobbyAdmitTimes> {
  const { host, client } = pair;
  const sessionUrl = client.page.url();
  const sessionId = sessionUrl.split('/').at(-1) ?? '';
  const asnId = await userIdOf(h, demoAccounts[1].email);
  const times: LobbyAdmitTimes = { client: [], host: [], both: [] };
  for (let run = 0; run < runs; run++) {
    await client.page.goto('about:blank');
    await host.page.getByTestId('other-left').waitFor({ timeout: 30_000 });
    await h.t.platform.redis.srem(`lobby:${sessionId}:admitted`, asnId);
    await intoLobby(client.page, sessionUrl);
    await host.page.getByTestId('admit').waitFor();
    const onClient = await firstRemoteFrame(client.page);
    const onHost = await firstRemoteFrame(host.page);
    const clicked = await clickNow(host.page, '[data-testid="admit"]');
    const [clientAt, hostAt] = await Promise.all([onClient.at, onHost.at]);
    times.client.push(clientAt - clicked);
    times.host.push(hostAt - clicked);
    times.both.push(Math.max(clientAt, hostAt) - clicked);
  }
  return times;
}

export interface RejoinTimes {
  /** From the connection being back (the server's new connection) to the counselor's picture again. */
  fromReconnect: number[];
  /** From the drop itself (includes Socket.IO's reconnection delay). */
  fromDrop: number[];
}

/**
 * (b) The client's connection drops (the server closes its transport, as a
 * lost network does at the ping timeout); the page reconnects by itself,
 * rejoins the room and the group; the time to the counselor's picture again.
 */
export async function rejoins(h: BrowserHarness, pair: { host: SignedIn; client: SignedIn }, runs: number): Promise<RejoinTimes> {
  const { client } = pair;
  const asnId = await userIdOf(h, demoAccounts[1].email);
  const io = h.t.platform.io;
  const times: RejoinTimes = { fromReconnect: [], fromDrop: [] };
  for (let run = 0; run < runs; run++) {
    await client.page.locator('[data-testid="encryption"][data-state="encrypted"], [data-testid="encryption"][data-state="verified"]').waitFor({ timeout: 30_000 });
    const before = await remoteVideoTrackId(client.page);
    const frame = await firstRemoteFrame(client.page, before);
    const reconnected = new Promise<number>((resolve) => {
      const onConnection = (socket: { data: { user?: { id: string } } }) => {
        if (socket.data.user?.id !== asnId) return;
        io.off('connection', onConnection);
        resolve(Date.now());
      };
      io.on('connection', onConnection);
    });
    const droppedAt = Date.now();
    for (const socket of io.sockets.sockets.values()) if (socket.data.user?.id === asnId) socket.conn.close();
    const [backAt, frameAt] = await Promise.all([reconnected, frame.at]);
    times.fromReconnect.push(frameAt - backAt);
    times.fromDrop.push(frameAt - droppedAt);
  }
  return times;
}

/**
 * (d) A circle's facilitator and `members` members waiting in the lobby
 * (prepared); "admit all"; the time until every page decodes audio from
 * every other (with E2EE, a frame reaches the decoder only once decrypted).
 * Cameras start off in circles, so this is the audio of all of them.
 */
export async function circleAdmitAll(h: BrowserHarness, members: number, runs: number): Promise<number[]> {
  const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
  const meetingId = String(meeting?._id);
  const circleId = String(meeting?.circleId);
  const demoMembers = demoAccounts.filter((a) => a.role === 'asn');
  const extra = await createAccounts(h.t, 'asn', Math.max(0, members - demoMembers.length), 'bench-circle');
  for (const account of extra) {
    const enrolled = await circlesClient(h.t.url, account).post(`/${circleId}/enrol`);
    if (enrolled.status !== 200) throw new Error(`could not seat a bench member: ${JSON.stringify(enrolled.body)}`);
  }
  const host = await h.openCircle(meetingId);
  const pages: Page[] = [];
  const userIds: string[] = [];
  for (const account of demoMembers.slice(0, members)) {
    pages.push((await h.signIn(account.email, account.password)).page);
    userIds.push(await userIdOf(h, account.email));
  }
  for (const account of extra) {
    const context = h.track(await newMediaContext(h.browser, h.baseUrl));
    await context.addCookies([{ name: 'care_session', value: account.cookie.split('=')[1] ?? '', url: h.baseUrl }]);
    pages.push(await context.newPage());
    userIds.push(account.id);
  }
  const url = `${h.baseUrl}/session/${meetingId}`;
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    for (const page of pages) await intoLobby(page, url);
    await host.page.getByTestId('admit').nth(members - 1).waitFor({ timeout: 30_000 });
    const everyone = [host.page, ...pages];
    const watches = await Promise.all(everyone.map((page) => audioDecodedFrom(page, members)));
    const clicked = await clickNow(host.page, '[data-testid="admit-all"]');
    const done = await Promise.all(watches.map((watch) => watch.at));
    times.push(Math.max(...done) - clicked);
    for (const page of pages) await page.goto('about:blank');
    await host.page.locator('[data-testid="circle-grid"][data-count="1"]').waitFor({ timeout: 30_000 });
    await h.t.platform.redis.srem(`lobby:${meetingId}:admitted`, ...userIds);
  }
  return times;
}
