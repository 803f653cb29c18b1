import { demoAccounts } from '@care/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { launchChromium } from '../support/browser.js';
import { NetworkNamespace, namespacesUsable } from '../support/network-namespace.js';
import { encryptionState, openSession, signIn } from '../support/session-flow.js';
import { TurnServer, turnServerInstalled } from '../support/turn-server.js';
import { waitForVideoFrames } from '../support/video-flow.js';

/*
 * Issue 14, Deployment: a network that lets no media through directly (an
 * office firewall: no UDP at all, TCP only to the web) still gets the call,
 * through the deployment's TURN server with a credential the server issued.
 * The client's Chromium runs in its own network namespace whose nftables
 * drop every UDP and TCP packet leaving over its link except to coturn's
 * port (signalling reaches the server through the namespace's loopback and
 * a Unix-socket relay, as in the ICE-restart test). coturn is Debian's,
 * configured with the REST-API secret the server signs with.
 *
 * Namespaces and nftables need root: as root (as CI runs) this runs; anyone
 * else is told plainly that it was skipped.
 */
const [counselor, asn] = demoAccounts;
const probe = namespacesUsable();
const why = !probe.usable ? `network namespaces are not usable here (needs root): ${probe.why}` : !turnServerInstalled() ? 'coturn is not installed (apt-get install coturn; scripts/care.sh setup does it as root)' : undefined;
if (why) console.warn(`SKIPPED turn-relay-only: ${why}`);

let ns: NetworkNamespace;
let turn: TurnServer;
let h: BrowserHarness;
let walled: Browser;
let roomId: string;

/** Leaving over its link, only coturn's port is open; every other UDP and TCP packet is counted and dropped. */
function firewall(turnAddress: string, turnPort: number): string {
  return `
table inet care_turn {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    ip daddr ${turnAddress} udp dport ${turnPort} accept
    ip daddr ${turnAddress} tcp dport ${turnPort} accept
    meta l4proto udp counter drop comment "udp"
    meta l4proto tcp counter drop comment "tcp"
  }
}
`;
}

/** Packets the firewall dropped, by the rule's comment. */
function dropped(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of ns.exec('nft', ['list', 'table', 'inet', 'care_turn']).matchAll(/counter packets (\d+) bytes \d+ drop comment "(\w+)"/g)) {
    counts[match[2] ?? ''] = Number(match[1]);
  }
  return counts;
}

/** The local candidate type of each connected peer connection's selected pair (what the browser's media goes through). */
function selectedCandidateTypes(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const types: string[] = [];
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState !== 'connected') continue;
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(String(s.id), s));
      for (const s of stats.values()) {
        if (s.type !== 'transport' || typeof s.selectedCandidatePairId !== 'string') continue;
        const pair = stats.get(s.selectedCandidatePairId);
        const local = stats.get(String(pair?.localCandidateId));
        types.push(String(local?.candidateType));
      }
    }
    return types;
  });
}

/** Where the SFU sees the client's media come from: the remote address of each of its transports' selected ICE tuple. */
function clientMediaSources(): string[] {
  const room = h.t.platform.media.get(roomId);
  if (!room) return [];
  const sources: string[] = [];
  for (const peerId of new Set([...room.producers()].map((p) => p.peerId))) {
    for (const transport of room.peer(peerId).transports.values()) sources.push(transport.iceSelectedTuple?.remoteIp ?? 'none');
  }
  return sources;
}

describe.skipIf(why !== undefined)('a client behind a firewall that blocks direct media', () => {
  beforeAll(async () => {
    ns = NetworkNamespace.create();
    // coturn on an address of its own, so the SFU can tell relayed media from the counselor's direct media.
    turn = await TurnServer.start(ns.addHostAddress(9));
    h = await BrowserHarness.start({ MEDIA_LISTEN_IP: ns.hostAddress, TURN_URLS: turn.urls.join(','), TURN_SECRET: turn.secret });
    await ns.forwardLocalhost(h.t.platform.port);
    ns.exec('nft', ['-f', '-'], firewall(turn.address, turn.port));
    roomId = String((await h.t.platform.db.connection.collection('appointments').findOne({}))?.roomId);
    walled = await launchChromium({ executablePath: ns.wrap(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') });
  }, 120_000);

  afterAll(async () => {
    try {
      await walled?.close().catch(() => undefined);
      await h?.close();
    } finally {
      turn?.close();
      ns?.close();
    }
  });

  it('gets the call through TURN: media both ways, relayed, end-to-end encrypted', { timeout: 240_000 }, async () => {
    const host = (await h.signIn(counselor.email, counselor.password)).page;
    await openSession(host);
    // Its page comes through a relay into the namespace: on a busy machine its first load has taken over 30 s.
    const signedIn = await signIn(walled, h.baseUrl, asn.email, asn.password, { stepTimeoutMs: 90_000 });
    h.track(signedIn.context);
    const client = signedIn.page;
    await openSession(client);
    await host.getByTestId('admit').click();

    await waitForVideoFrames(client, 90_000);
    await waitForVideoFrames(host, 60_000);
    await client.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 30_000 });
    expect(await encryptionState(host)).toBe('encrypted');

    // Both of the client's transports go through the relay …
    const types = await selectedCandidateTypes(client);
    expect(types).toHaveLength(2);
    expect(types.every((type) => type === 'relay')).toBe(true);
    // … which the SFU sees as coturn's relay address, never the client's own …
    const sources = clientMediaSources();
    expect(sources).toContain(turn.address);
    expect(sources).not.toContain(ns.address);
    // … because the direct way was really tried and really blocked.
    expect(dropped().udp ?? 0).toBeGreaterThan(0);
  });
});
