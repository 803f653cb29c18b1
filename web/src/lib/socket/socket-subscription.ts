import type { ServerToClientEvents } from '@care/shared';
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

/**
 * Listens to several events of one connection at once, and returns the one
 * cleanup that stops them all. `reconnect` is the connection manager's
 * (it fires on a reconnection only); everything else is the socket's.
 */
export function subscribe(socket: AppSocket, handlers: SocketHandlers): Unsubscribe {
  const stops: Unsubscribe[] = [];
  for (const [event, handler] of Object.entries(handlers) as Array<[string, Listener | undefined]>) {
    if (!handler) continue;
    const target = (event === 'reconnect' ? socket.io : socket) as unknown as Listeners;
    target.on(event, handler);
    stops.push(() => target.off(event, handler));
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    for (const stop of stops) stop();
  };
}
