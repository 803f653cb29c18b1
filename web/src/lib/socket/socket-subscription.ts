import { fail, serverEvents, serverRequests, type ServerToClientEvents } from '@care/shared';
import type { SocketReservedEvents } from 'socket.io-client';
import type { AppSocket } from './socket-client.js';

/** What the connection itself reports, beside what the server pushes. */
export interface ConnectionEvents extends SocketReservedEvents {
  /** Back after a lost connection (not the first connect): pushes made meanwhile were missed. */
  reconnect: () => void;
}

/**
 * Handlers by event name. Each payload's type is the shared protocol's
 * (`ServerToClientEvents`, derived from the zod schemas), so no call site
 * names or casts a payload type of its own.
 */
export type SocketHandlers = { [E in keyof ServerToClientEvents]?: ServerToClientEvents[E] } & {
  [E in keyof ConnectionEvents]?: ConnectionEvents[E];
};

/** Stops every listener a `subscribe` call added; calling it again does nothing. */
export type Unsubscribe = () => void;

type Listener = (...args: never[]) => void;

/** Socket.IO's listener registry as seen here: its typed `on` cannot follow an event name held in a variable. */
interface Listeners {
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

/** What of a zod schema is used here. */
interface PayloadSchema {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false };
}

/** The schema a server push's payload must meet (undefined: the connection's own events, which carry none of the server's). */
function schemaOf(event: string): PayloadSchema | undefined {
  if (Object.hasOwn(serverEvents, event)) return serverEvents[event as keyof typeof serverEvents];
  if (Object.hasOwn(serverRequests, event)) return serverRequests[event as keyof typeof serverRequests].request;
  return undefined;
}

/**
 * A handler that gets only what its schema allows. The server is not
 * trusted with the page (it may be modified, or a bug): a push that does not
 * parse is dropped before any handler sees it, and a request that does not
 * is answered `invalid_payload`. Handlers get the parsed payload, typed as
 * the shared protocol says.
 */
function checked(event: string, handler: Listener): Listener {
  const schema = schemaOf(event);
  if (!schema) return handler;
  return ((payload: unknown, ...rest: unknown[]) => {
    const parsed = schema.safeParse(payload);
    if (parsed.success) {
      (handler as (...args: unknown[]) => void)(parsed.data, ...rest);
      return;
    }
    const ack = rest[0];
    if (typeof ack === 'function') (ack as (response: unknown) => void)(fail('invalid_payload', `the server's ${event} did not match its schema`));
    // The event name only: the payload is the server's word, and may carry anything.
    console.warn(`dropped a malformed server message: ${event}`);
  }) as Listener;
}

/**
 * Listens to several events of one connection at once, and returns the one
 * cleanup that stops them all. `reconnect` is the connection manager's
 * (it fires on a reconnection only); everything else is the socket's, each
 * checked against its schema first (`checked`).
 */
export function subscribe(socket: AppSocket, handlers: SocketHandlers): Unsubscribe {
  const stops: Unsubscribe[] = [];
  for (const [event, handler] of Object.entries(handlers) as Array<[string, Listener | undefined]>) {
    if (!handler) continue;
    const target = (event === 'reconnect' ? socket.io : socket) as unknown as Listeners;
    const listener = event === 'reconnect' ? handler : checked(event, handler);
    target.on(event, listener);
    stops.push(() => target.off(event, listener));
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    for (const stop of stops) stop();
  };
}
