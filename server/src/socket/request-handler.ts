import {
  clientRequests,
  describeIssues,
  fail,
  ok,
  toValidationIssues,
  type Ack,
  type ClientRequestName,
  type ParsedRequest,
  type ResponseData,
} from '@care/shared';
import type { Logger } from 'pino';
import { toAck } from '../errors.js';
import { RATE_LIMITED_MESSAGE, type ConnectionLimits } from './request-limiter.js';
import type { AppSocket } from './types.js';

type Reply = (response: Ack<unknown>) => void;

const limitsOf = new WeakMap<AppSocket, ConnectionLimits>();

/**
 * Puts every request of this connection under its budgets (request-budgets.ts).
 * Comes before any handler is registered: `onRequest` refuses to register one
 * on a connection without budgets.
 */
export function limitRequests(socket: AppSocket, limits: ConnectionLimits): void {
  limitsOf.set(socket, limits);
  socket.on('disconnect', () => limits.close());
}

function limitsFor(socket: AppSocket): ConnectionLimits {
  const limits = limitsOf.get(socket);
  if (!limits) throw new Error('limitRequests(socket, …) must come before the socket gets handlers');
  return limits;
}

/** The ack callback, or for a client that sent none, errors as an 'app:error' event. */
function replyTo(socket: AppSocket, ack: unknown): Reply {
  if (typeof ack === 'function') return ack as Reply;
  return (response) => {
    if (!response.ok) socket.emit('app:error', response.error);
  };
}

/** What `serve` gives back when a budget refused the request. */
const REFUSED: unique symbol = Symbol('refused');

/**
 * Listens for one request event: each payload is parsed with the event's zod
 * schema, then `serve` spends the budgets and runs the handler; every outcome
 * is an ack. A malformed request reaches nothing beyond the parser
 * (Socket.IO has already paid for reading it), so it is answered without
 * spending the budget that keeps honest requests flowing.
 */
function listen<E extends ClientRequestName>(
  socket: AppSocket,
  event: E,
  log: Logger,
  serve: (payload: ParsedRequest<E>, limits: ConnectionLimits) => Promise<ResponseData<E> | typeof REFUSED>,
): void {
  const limits = limitsFor(socket);
  const schema = clientRequests[event].request;
  const listener = async (...args: unknown[]): Promise<void> => {
    // The ack is the last argument whatever came before it: a request sent
    // with no payload has its ack first, and one with extra arguments later.
    const ack = typeof args.at(-1) === 'function' ? args.pop() : undefined;
    const payload = args[0];
    const reply = replyTo(socket, ack);
    try {
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const issues = toValidationIssues(parsed.error);
        reply(fail('invalid_payload', `${event}: ${describeIssues(issues)}`, issues));
        return;
      }
      const data = await serve(parsed.data as ParsedRequest<E>, limits);
      reply(data === REFUSED ? fail('rate_limited', RATE_LIMITED_MESSAGE) : ok(data));
    } catch (error) {
      const answer = toAck(error, log.child({ event }));
      // A service's fixed limit (transports, producers) is a refusal too: counted with the rest.
      if (!answer.ok && answer.error.code === 'rate_limited') limits.limitReached(event);
      reply(answer);
    }
  };
  // Socket.IO's typed `on` cannot express "validated at run time"; the listener takes unknown on purpose.
  (socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(
    event,
    listener as (...args: unknown[]) => void,
  );
}

/**
 * Registers one request handler. Each payload is parsed with the event's zod
 * schema, then counted against its family's budgets (over either:
 * `rate_limited`) before the handler sees it.
 */
export function onRequest<E extends ClientRequestName>(
  socket: AppSocket,
  event: E,
  log: Logger,
  handler: (payload: ParsedRequest<E>) => Promise<ResponseData<E>>,
): void {
  listen(socket, event, log, async (payload, limits) => ((await limits.admit(event)) ? handler(payload) : REFUSED));
}

/**
 * As `onRequest`, for a handler that must first read shared state in Redis
 * (the chat relay: the group's epoch). Once the connection's own budget
 * (memory) admits the request, the person's budget is spent in Redis and
 * `lookup` (a read, nothing else) is sent right behind it, so the two cost
 * one round trip instead of two, and the read is no older than before when
 * the handler gets it. The handler runs only once both budgets admitted the
 * request; a lookup that failed (not in a room, Redis down) answers only
 * then too, so a refused request is told `rate_limited` as ever. A flood past
 * the connection's budget costs no Redis call; within it, a request the
 * person's budget refuses has cost one read more than it used to.
 */
export function onLookupRequest<E extends ClientRequestName, L>(
  socket: AppSocket,
  event: E,
  log: Logger,
  lookup: (payload: ParsedRequest<E>) => Promise<L>,
  handler: (payload: ParsedRequest<E>, looked: L) => Promise<ResponseData<E>>,
): void {
  listen(socket, event, log, async (payload, limits) => {
    if (!(await limits.admitConnection(event))) return REFUSED;
    // In this order (the budget's script is sent first, the read behind it); a lookup that throws at once is a rejection like any other.
    const [admitted, looked] = await Promise.allSettled([limits.admitPerson(event), (async () => lookup(payload))()]);
    if (admitted.status === 'rejected') throw admitted.reason;
    if (!admitted.value) return REFUSED;
    if (looked.status === 'rejected') throw looked.reason;
    return handler(payload, looked.value);
  });
}

/** Answers events no handler knows, so a client learns of its mistake instead of waiting; these have a budget too. */
export function rejectUnknownEvents(socket: AppSocket, log: Logger): void {
  const limits = limitsFor(socket);
  socket.onAny((event: string, ...args: unknown[]) => {
    if (Object.hasOwn(clientRequests, event)) return;
    const reply = replyTo(socket, args.at(-1));
    limits.admit(event).then(
      (admitted) =>
        reply(
          admitted
            ? fail('invalid_payload', `unknown event "${String(event).slice(0, 64)}"`)
            : fail('rate_limited', RATE_LIMITED_MESSAGE),
        ),
      (error: unknown) => reply(toAck(error, log)),
    );
  });
}
