import type { ServerEventName, ServerEventPayload } from '@care/shared';

/** How the server's parts reach one connection, or every connection of one person, without knowing about Socket.IO. */
export interface Notifier {
  toConnection<E extends ServerEventName>(connectionId: string, event: E, payload: ServerEventPayload<E>): void;
  toUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEventPayload<E>): void;
}
