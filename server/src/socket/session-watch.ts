import type { SessionEndReason } from '@care/shared';
import type { Logger } from 'pino';
import type { AuthService } from '../auth/auth-service.js';
import type { AppSocket } from './types.js';

/** A live connection's events renew its sign-in at most this often (one Redis call), or a quarter of the time left if that is shorter. */
const TOUCH_EVERY_MS = 60_000;
const TOUCH_AT_LEAST_MS = 1000;
/** Checked this long after Redis says the sign-in ends, so the key is surely gone. */
const SLACK_MS = 250;
/** setTimeout's ceiling (about 24.8 days); a sign-in never lasts that long. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Keeps one connection no longer than its sign-in, without polling: a timer
 * at the moment the sign-in would end as things stand (idle or absolute,
 * whichever is first, as Redis's expiry says), which then looks again — the
 * sign-in may have been renewed by a request meanwhile — and either sets
 * itself for the new moment or ends the connection. The connection's own
 * events count as activity (renewing at most once a minute). The first look
 * happens at once: a sign-out that raced the handshake is caught here, since
 * the connection has already joined its sign-in's room.
 */
export function watchSession(socket: AppSocket, auth: AuthService, log: Logger): void {
  const session = { ref: socket.data.session.ref };
  let timer: NodeJS.Timeout | undefined;
  let lastTouch = Date.now();
  let touchEvery = TOUCH_EVERY_MS;
  let over = false;

  const end = (reason: SessionEndReason) => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    socket.emit('session:ended', { reason });
    socket.disconnect(true);
  };
  const settle = (left: number | undefined): void => {
    if (over) return;
    if (left === undefined) return end('expired');
    touchEvery = Math.max(TOUCH_AT_LEAST_MS, Math.min(TOUCH_EVERY_MS, left / 4));
    clearTimeout(timer);
    timer = setTimeout(check, Math.min(left + SLACK_MS, MAX_TIMER_MS));
  };
  const failed = (error: unknown) => {
    // Redis unreachable: try again shortly rather than drop a live session.
    log.warn({ err: error }, 'could not check the sign-in of a connection');
    if (over) return;
    clearTimeout(timer);
    timer = setTimeout(check, TOUCH_EVERY_MS);
  };
  const check = () => {
    auth.timeLeft(session).then(settle, failed);
  };

  socket.use((_packet, next) => {
    next();
    const now = Date.now();
    if (over || now - lastTouch < touchEvery) return;
    lastTouch = now;
    auth.keepAlive(session).then(settle, failed);
  });
  socket.on('disconnect', () => {
    over = true;
    clearTimeout(timer);
  });
  check();
}
