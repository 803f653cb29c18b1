import type { BrowserContext, Page } from 'playwright-core';

/** One Socket.IO event a page's WebSocket carried: its name and JSON body (binary attachments stay placeholders). */
export interface SeenEvent {
  event: string;
  body: Record<string, unknown>;
}

/**
 * Every Socket.IO event the pages of this context receive from the server
 * and send to it, read from their WebSockets' frames (the app's own socket,
 * wrapped at the browser's WebSocket, no hook in the app). Frames are
 * Engine.IO message `4` carrying a Socket.IO packet: `2` an event, `5` an
 * event with binary attachments (`<n>-`), `3` an ack, then an optional ack
 * id and the JSON array. Kept per page load (read with `socketEvents`).
 *
 * A page may also hold back its answer to the next request of one name
 * (`holdNextAnswer`): what a slow or modified client does.
 */
export async function recordSocketEvents(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    type Seen = { event: string; body: Record<string, unknown> };
    const w = window as unknown as { __socketEvents: { received: Seen[]; sent: Seen[] }; __holdAnswer?: { event: string; ms: number }; __answersHeld: number };
    w.__socketEvents = { received: [], sent: [] };
    w.__answersHeld = 0;
    const read = (data: unknown): { event: string; body: Record<string, unknown>; ackId: string } | undefined => {
      if (typeof data !== 'string') return undefined;
      const match = /^4[25](?:\d+-)?(\d*)(\[.*\])$/s.exec(data);
      if (!match?.[2]) return undefined;
      const [event, body] = JSON.parse(match[2]) as [unknown, unknown];
      if (typeof event !== 'string') return undefined;
      return { event, body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}, ackId: match[1] ?? '' };
    };
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        // Ack ids of the server's requests by name, to find the answer to one.
        const requests = new Map<string, string>();
        this.addEventListener('message', (message: MessageEvent) => {
          const seen = read(message.data);
          if (!seen) return;
          w.__socketEvents.received.push({ event: seen.event, body: seen.body });
          if (seen.ackId) requests.set(seen.ackId, seen.event);
        });
        const send = this.send.bind(this);
        this.send = (data: Parameters<WebSocket["send"]>[0]) => {
          const seen = read(data);
          if (seen) w.__socketEvents.sent.push({ event: seen.event, body: seen.body });
          const answer = typeof data === 'string' ? /^43(\d+)\[/.exec(data) : null;
          const hold = w.__holdAnswer;
          if (answer?.[1] && hold && requests.get(answer[1]) === hold.event) {
            w.__holdAnswer = undefined;
            w.__answersHeld++;
            setTimeout(() => send(data), hold.ms);
            return;
          }
          send(data);
        };
      }
    };
  });
}

/** The events this page's sockets carried since it loaded. */
export function socketEvents(page: Page): Promise<{ received: SeenEvent[]; sent: SeenEvent[] }> {
  return page.evaluate(() => (window as unknown as { __socketEvents: { received: SeenEvent[]; sent: SeenEvent[] } }).__socketEvents);
}

/** The page answers the next server request named `event` only after `ms` (once). */
export async function holdNextAnswer(page: Page, event: string, ms: number): Promise<void> {
  await page.evaluate(([name, delay]) => {
    (window as unknown as { __holdAnswer?: { event: string; ms: number } }).__holdAnswer = { event: String(name), ms: Number(delay) };
  }, [event, ms] as const);
}

/** How many answers the page held back. */
export function answersHeld(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __answersHeld: number }).__answersHeld);
}

/** The events of this name, in order. */
export function eventsNamed(events: readonly SeenEvent[], name: string): Array<Record<string, unknown>> {
  return events.filter((e) => e.event === name).map((e) => e.body);
}
