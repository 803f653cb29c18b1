import type { IncomingMessage } from 'node:http';
import { demoAccounts } from '@care/server';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { startOtherOrigin, type OtherOrigin } from '../support/other-origin.js';
import { ask, login, type TestSocket } from '../support/test-platform.js';

// §3 of issue 12: a WebSocket is not held to CORS, and Chromium sends a
// SameSite=Strict cookie with one opened by a page of the same *site* on
// another origin (here another port of localhost; in production a sibling
// subdomain). The Socket.IO handshake must refuse such a page by its Origin.
const asn = demoAccounts[1];
let harness: BrowserHarness;
let attacker: OtherOrigin;

/** What a page's script learns from opening the app's Engine.IO WebSocket and connecting to the main namespace. */
const probeScript = (socketUrl: string) => `
  window.probe = new Promise((resolve) => {
    const frames = [];
    const ws = new WebSocket(${JSON.stringify(socketUrl)});
    ws.onmessage = (event) => {
      frames.push(String(event.data).slice(0, 80));
      if (String(event.data).startsWith('0')) ws.send('40');
      if (String(event.data).startsWith('4')) { ws.close(); resolve({ opened: true, frames }); }
    };
    ws.onerror = () => resolve({ opened: false, frames });
    setTimeout(() => resolve({ opened: ws.readyState === 1, frames }), 10000);
  });`;

beforeAll(async () => {
  harness = await BrowserHarness.start();
  const socketUrl = `${harness.baseUrl.replace('http:', 'ws:')}/socket.io/?EIO=4&transport=websocket`;
  attacker = await startOtherOrigin(`<!doctype html><title>sibling</title><script>${probeScript(socketUrl)}</script>`);
});
afterAll(async () => {
  await attacker?.close();
  await harness?.close();
});

function connectWith(headers: Record<string, string>, transport: 'websocket' | 'polling'): Promise<{ connected: boolean; error?: string; socket: TestSocket }> {
  const socket: TestSocket = io(harness.t.url, { transports: [transport], extraHeaders: headers, reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true, socket }));
    socket.once('connect_error', (error) => {
      socket.close();
      resolve({ connected: false, error: error.message, socket });
    });
  });
}

describe('the Origin of the Socket.IO handshake', () => {
  it('is refused from a same-site page of another origin in Chromium, though Chromium sends the session cookie', async () => {
    const { context, page } = await harness.signIn(asn.email, asn.password);
    // The app's own page: the same WebSocket opens and connects as the signed-in person.
    await page.evaluate(probeScript(`${harness.baseUrl.replace('http:', 'ws:')}/socket.io/?EIO=4&transport=websocket`));
    const own = (await page.evaluate('window.probe')) as { opened: boolean; frames: string[] };
    expect(own.opened).toBe(true);
    expect(own.frames.some((f) => f.startsWith('40{"sid"'))).toBe(true);

    // The sibling page, in the same browser, signed in. What reaches the server with its handshake:
    const handshakes: Array<{ origin?: string | undefined; cookie?: string | undefined }> = [];
    const record = (req: IncomingMessage) => handshakes.push({ origin: req.headers.origin, cookie: req.headers.cookie });
    harness.t.platform.io.httpServer.prependListener('upgrade', record);
    try {
      const sibling = await context.newPage();
      await sibling.goto(attacker.url);
      const probe = (await sibling.evaluate('window.probe')) as { opened: boolean; frames: string[] };
      expect(probe).toEqual({ opened: false, frames: [] });
    } finally {
      harness.t.platform.io.httpServer.off('upgrade', record);
    }
    // Why the check is needed: Chromium did send the session cookie, from a page that is not ours.
    const fromSibling = handshakes.filter((h) => h.origin === attacker.url);
    expect(fromSibling.length).toBe(1);
    expect(fromSibling[0]?.cookie ?? '').toContain('care_session=');
  });

  it('refuses a foreign, a null and a malformed Origin with a real client and a valid cookie, on both transports', async () => {
    const cookie = await login(harness.t.url, asn.email, asn.password);
    const port = new URL(harness.t.url).port;
    for (const transport of ['websocket', 'polling'] as const) {
      for (const origin of ['https://evil.example', 'null', `http://localhost:${Number(port) + 1}`, 'not an origin']) {
        const attempt = await connectWith({ cookie, origin }, transport);
        expect(attempt.connected, `${transport} ${origin}`).toBe(false);
      }
      const fetchMetadata = await connectWith({ cookie, 'sec-fetch-site': 'cross-site' }, transport);
      expect(fetchMetadata.connected, `${transport} cross-site`).toBe(false);
    }
  });

  it('says why, in a typed JSON answer, on the polling handshake', async () => {
    const response = await fetch(`${harness.t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'null' } });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { code: number; message: string };
    expect(body.message).toMatch(/^forbidden: cross-site connections are not allowed/);
  });

  it('lets the app (each loopback name, either transport) and non-browser clients connect and use the socket', async () => {
    const cookie = await login(harness.t.url, asn.email, asn.password);
    const port = new URL(harness.t.url).port;
    for (const transport of ['websocket', 'polling'] as const) {
      const honest: Array<Record<string, string>> = [{ origin: `http://localhost:${port}` }, { origin: `http://127.0.0.1:${port}` }, { 'sec-fetch-site': 'same-origin' }, {}];
      for (const headers of honest) {
        const attempt = await connectWith({ cookie, ...headers }, transport);
        expect(attempt.connected, `${transport} ${JSON.stringify(headers)}`).toBe(true);
        const answer = (await ask(attempt.socket, 'presence:subscribe', { userIds: ['0123456789abcdef01234567'] })) as { ok: boolean };
        expect(answer.ok).toBe(true);
        attempt.socket.close();
      }
    }
  });
});
