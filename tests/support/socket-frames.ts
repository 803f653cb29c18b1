import type { Page } from 'playwright-core';

/** One Socket.IO event seen on a page's real WebSocket: its name and JSON body (binary attachments stay placeholders). */
export interface SeenEvent {
  event: string;
  body: Record<string, unknown>;
}

/**
 * Every Socket.IO event a page's WebSocket received from the server and sent
 * to it, read from the frames themselves (Playwright's `websocket` events):
 * what crossed the wire, with no hook in the app. Start it before the page
 * opens its socket. Frames are Engine.IO message `4` carrying a Socket.IO
 * packet: `2` an event, `5` an event with binary attachments (`<n>-`), then
 * an optional ack id and the JSON array.
 */
export function recordSocketEvents(page: Page): { received: SeenEvent[]; sent: SeenEvent[] } {
  const seen = { received: [] as SeenEvent[], sent: [] as SeenEvent[] };
  page.on('websocket', (socket) => {
    socket.on('framereceived', ({ payload }) => keep(payload, seen.received));
    socket.on('framesent', ({ payload }) => keep(payload, seen.sent));
  });
  return seen;
}

/** The events of this name, in order. */
export function eventsNamed(events: readonly SeenEvent[], name: string): Array<Record<string, unknown>> {
  return events.filter((e) => e.event === name).map((e) => e.body);
}

function keep(payload: string | Buffer, into: SeenEvent[]): void {
  if (typeof payload !== 'string') return;
  const match = /^4[25](?:\d+-)?\d*(\[.*\])$/s.exec(payload);
  if (!match?.[1]) return;
  const [event, body] = JSON.parse(match[1]) as [unknown, unknown];
  if (typeof event === 'string') into.push({ event, body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {} });
}
