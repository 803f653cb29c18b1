import type { ServerEventName, ServerEventPayload, ServerRequestName, ServerRequestPayload, ServerResponseData } from '@care/shared';

/** How the server's parts reach one connection, or every connection of one person, without knowing about Socket.IO. */
export interface Notifier {
  toConnection<E extends ServerEventName>(connectionId: string, event: E, payload: ServerEventPayload<E>): void;
  toUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEventPayload<E>): void;
  /**
   * Asks one connection of this node and waits for its answer, checked
   * against the request's schema. Rejects (an AppError) when the connection
   * is not here, does not answer in time, answers something malformed, or
   * answers with an error.
   */
  ask<E extends ServerRequestName>(connectionId: string, event: E, payload: ServerRequestPayload<E>): Promise<ServerResponseData<E>>;
}

/**
 * One message to several connections of this node, encoded once and sent
 * to each of them, without a trip through Redis: for a room's peers, who are
 * all this node's connections (`LiveRooms` seats only connections made
 * here). A connection that is not (any more) on this node gets nothing.
 */
export interface LocalFanOut {
  toLocalConnections<E extends ServerEventName>(connectionIds: readonly string[], event: E, payload: ServerEventPayload<E>): void;
}
