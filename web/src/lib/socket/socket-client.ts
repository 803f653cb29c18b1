import type {
  Ack,
  ClientRequestName,
  ClientToServerEvents,
  RequestPayload,
  ResponseData,
  ServerToClientEvents,
} from '@care/shared';
import { io, type Socket } from 'socket.io-client';
import { ApiError } from '../api/api-error.js';
import { subscribe } from './socket-subscription.js';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const REQUEST_TIMEOUT_MS = 10_000;

/** Tries to come back after a renewed cookie, in case the answer that set it is still on its way. */
const RENEWED_RETRIES = 5;
const RENEWED_RETRY_MS = 400;

/**
 * One Socket.IO connection to the server, authenticated by the session
 * cookie. When the server ends the sign-in behind it (`session:ended`): a
 * renewed cookie means connecting again at once with it; any other reason
 * means the sign-in is over, and the page is left for the sign-in page —
 * a full load, so nothing of the session (keys, messages) stays in memory.
 *
 * `route` (a session page's session id) goes in the handshake's query for
 * the balancer in front of several signal nodes to hash on, so that all of
 * a session's pages reach the one node that serves it (docs/DEPLOY.md).
 */
export function connectSocket({ route }: { route?: string } = {}): AppSocket {
  const socket: AppSocket = io({ path: '/socket.io', transports: ['websocket', 'polling'], withCredentials: true, ...(route ? { query: { route } } : {}) });
  // Lives as long as the socket: whoever holds it ends it with disconnect().
  subscribe(socket, {
    'session:ended': ({ reason }) => {
      if (reason === 'renewed') {
        const stop = subscribe(socket, {
          disconnect: () => {
            stop();
            reconnectRenewed(socket, RENEWED_RETRIES);
          },
        });
        return;
      }
      window.location.assign(`/?ended=${encodeURIComponent(reason)}`);
    },
  });
  return socket;
}

function reconnectRenewed(socket: AppSocket, triesLeft: number): void {
  // Whichever comes first, the connection or its refusal, ends the wait for both.
  const stop = subscribe(socket, {
    connect: () => stop(),
    connect_error: () => {
      stop();
      if (triesLeft > 1) setTimeout(() => reconnectRenewed(socket, triesLeft - 1), RENEWED_RETRY_MS);
    },
  });
  socket.connect();
}

/** Sends a request and resolves with its data, or rejects with the server's typed error. */
export async function request<E extends ClientRequestName>(
  socket: AppSocket,
  event: E,
  payload: RequestPayload<E>,
): Promise<ResponseData<E>> {
  let response: Ack<ResponseData<E>>;
  try {
    // Socket.IO's typed emitWithAck cannot follow the mapped event type; the signature above carries the types.
    const timed = socket.timeout(REQUEST_TIMEOUT_MS) as unknown as {
      emitWithAck(e: E, p: RequestPayload<E>): Promise<Ack<ResponseData<E>>>;
    };
    response = await timed.emitWithAck(event, payload);
  } catch {
    throw new ApiError('network', `${event}: no answer from the server`);
  }
  if (!response.ok) throw ApiError.from(response.error);
  return response.data;
}

/**
 * Requests over whichever connection a page holds now (it may not have one
 * yet, or be between connections): what the parts of a page are given
 * instead of the socket itself.
 */
export interface ServerLink {
  /** Whether the connection is up now. */
  readonly connected: boolean;
  request<E extends ClientRequestName>(event: E, payload: RequestPayload<E>): Promise<ResponseData<E>>;
}

export function serverLink(current: () => AppSocket | undefined): ServerLink {
  return {
    get connected() {
      return current()?.connected ?? false;
    },
    request<E extends ClientRequestName>(event: E, payload: RequestPayload<E>): Promise<ResponseData<E>> {
      const socket = current();
      if (!socket) return Promise.reject(new ApiError('network', `${event}: not connected`));
      return request(socket, event, payload);
    },
  };
}
