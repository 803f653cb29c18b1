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
import type { AppSocket } from './types.js';

type Reply = (response: Ack<unknown>) => void;

/**
 * Registers one request handler: the payload is parsed with the event's zod
 * schema before the handler sees it, and every outcome is an ack. A client
 * that sent no ack callback gets errors as an 'app:error' event instead.
 */
export function onRequest<E extends ClientRequestName>(
  socket: AppSocket,
  event: E,
  log: Logger,
  handler: (payload: ParsedRequest<E>) => Promise<ResponseData<E>>,
): void {
  const listener = async (...args: unknown[]): Promise<void> => {
    // The ack is the last argument whatever came before it: a request sent
    // with no payload has its ack first, and one with extra arguments later.
    const ack = typeof args.at(-1) === 'function' ? args.pop() : undefined;
    const payload = args[0];
    const reply: Reply =
      typeof ack === 'function'
        ? (ack as Reply)
        : (response) => {
            if (!response.ok) socket.emit('app:error', response.error);
          };
    const parsed = clientRequests[event].request.safeParse(payload);
    if (!parsed.success) {
      const issues = toValidationIssues(parsed.error);
      reply(fail('invalid_payload', `${event}: ${describeIssues(issues)}`, issues));
      return;
    }
    try {
      reply(ok(await handler(parsed.data as ParsedRequest<E>)));
    } catch (error) {
      reply(toAck(error, log.child({ event })));
    }
  };
  // Socket.IO's typed `on` cannot express "validated at run time"; the listener takes unknown on purpose.
  (socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(
    event,
    listener as (...args: unknown[]) => void,
  );
}

/** Answers events no handler knows, so a client learns of its mistake instead of waiting. */
export function rejectUnknownEvents(socket: AppSocket): void {
  socket.onAny((event: string, ...args: unknown[]) => {
    if (Object.hasOwn(clientRequests, event)) return;
    const last = args.at(-1);
    const error = { code: 'invalid_payload' as const, message: `unknown event "${String(event).slice(0, 64)}"` };
    if (typeof last === 'function') (last as Reply)({ ok: false, error });
    else socket.emit('app:error', error);
  });
}
