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

/**
 * Registers one request handler. Each payload is parsed with the event's zod
 * schema, then counted against its family's budgets (over either:
 * `rate_limited`) before the handler sees it; every outcome is an ack. A
 * malformed request reaches nothing beyond the parser (Socket.IO has already
 * paid for reading it), so it is answered without spending the budget that
 * keeps honest requests flowing.
 */
export function onRequest<E extends ClientRequestName>(
  socket: AppSocket,
  event: E,
  log: Logger,
  handler: (payload: ParsedRequest<E>) => Promise<ResponseData<E>>,
): void {
  const limits = limitsFor(socket);
  const listener = async (...args: unknown[]): Promise<void> => {
    // The ack is the last argument whatever came before it: a request sent
    // with no payload has its ack first, and one with extra arguments later.
    const ack = typeof args.at(-1) === 'function' ? args.pop() : undefined;
    const payload = args[0];
    const reply = replyTo(socket, ack);
    try {
      const parsed = clientRequests[event].request.safeParse(payload);
      if (!parsed.success) {
        const issues = toValidationIssues(parsed.error);
        reply(fail('invalid_payload', `${event}: ${describeIssues(issues)}`, issues));
        return;
      }
      if (!(await limits.admit(event))) {
        reply(fail('rate_limited', RATE_LIMITED_MESSAGE));
        return;
      }
      reply(ok(await handler(parsed.data as ParsedRequest<E>)));
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
