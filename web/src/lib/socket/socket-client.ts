import { clientRequests, ErrorBodySchema, type ClientRequestName, type ClientToServerEvents, type RequestPayload, type ResponseData, type ServerToClientEvents } from '@care/shared';
import { io, type Socket } from 'socket.io-client';
import { ApiError } from '../api/api-error.js';
import { subscribe } from './socket-subscription.js';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * How soon a page tries again after losing its connection: from 0.2–0.6 s,
 * doubling, to at most 2 s. Socket.IO's own (from 1 s, doubling to 5 s) left
 * a page whose first tries fell in a failover (no node ready for a few
 * seconds) waiting up to 5 s more after one was ready again, in a session
 * where every second without the other person counts. A try at a node that is
 * not ready is refused at the handshake, so a few thousand pages trying every
 * 2 s cost little; the jitter keeps them from arriving together.
 */
const RECONNECTION = { reconnectionDelay: 400, reconnectionDelayMax: 2000, randomizationFactor: 0.5 } as const;

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
  const socket: AppSocket = io({ path: '/socket.io', transports: ['websocket', 'polling'], withCredentials: true, ...RECONNECTION, ...(route ? { query: { route } } : {}) });
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

/**
 * Sends a request and resolves with its data, or rejects with the server's
 * typed error. The answer is checked against the protocol first (its
 * response schema, or the error body's): the server is not trusted with the
 * page's state, and one that does not match is refused as `invalid_payload`
 * and named (the event only) on the console.
 */
export async function request<E extends ClientRequestName>(
  socket: AppSocket,
  event: E,
  payload: RequestPayload<E>,
): Promise<ResponseData<E>> {
  let response: unknown;
  try {
    // Socket.IO's typed emitWithAck cannot follow the mapped event type; the signature above carries the types.
    const timed = socket.timeout(REQUEST_TIMEOUT_MS) as unknown as {
      emitWithAck(e: E, p: RequestPayload<E>): Promise<unknown>;
    };
    response = await timed.emitWithAck(event, payload);
  } catch {
    throw new ApiError('network', `${event}: no answer from the server`);
  }
  const answer = typeof response === 'object' && response !== null ? (response as { ok?: unknown; data?: unknown; error?: unknown }) : {};
  if (answer.ok === true) {
    const data = clientRequests[event].response.safeParse(answer.data);
    if (data.success) return data.data as ResponseData<E>;
  } else if (answer.ok === false) {
    const error = ErrorBodySchema.safeParse(answer.error);
    if (error.success) throw ApiError.from(error.data);
  }
  console.warn(`dropped a malformed server answer: ${event}`);
  throw new ApiError('invalid_payload', `${event}: the server's answer did not match the protocol`);
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
