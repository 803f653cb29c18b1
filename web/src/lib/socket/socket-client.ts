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
 */
export function connectSocket(): AppSocket {
  const socket: AppSocket = io({ path: '/socket.io', transports: ['websocket', 'polling'], withCredentials: true });
  socket.on('session:ended', ({ reason }) => {
    if (reason === 'renewed') {
      socket.once('disconnect', () => reconnectRenewed(socket, RENEWED_RETRIES));
      return;
    }
    window.location.assign(`/?ended=${encodeURIComponent(reason)}`);
  });
  return socket;
}

function reconnectRenewed(socket: AppSocket, triesLeft: number): void {
  const retry = () => {
    socket.off('connect', connected);
    if (triesLeft > 1) setTimeout(() => reconnectRenewed(socket, triesLeft - 1), RENEWED_RETRY_MS);
  };
  const connected = () => socket.off('connect_error', retry);
  socket.once('connect_error', retry);
  socket.once('connect', connected);
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
