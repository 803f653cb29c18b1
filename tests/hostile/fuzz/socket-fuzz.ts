import { clientRequests, type ClientRequestName } from '@care/shared';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { deepJsonText, hostileValue } from './hostile-values.js';
import { judgeAnswer, type Outcome } from './fuzz-tally.js';
import type { RoleName } from './fuzz-people.js';
import { malformed, type ArbitraryContext } from './schema-arbitraries.js';

/** How the request is sent: with an ack, without one (errors come as `app:error`), or with extra arguments and no ack. */
export type AckMode = 'ack' | 'no-ack' | 'extra-args';

export interface SocketInput {
  who: RoleName;
  event: string;
  args: unknown[];
  mode: AckMode;
}

/** A Socket.IO packet written straight onto the Engine.IO connection, as a patched client library would. */
export interface RawPacketInput {
  who: RoleName;
  packet: string;
}

/** Names no handler has: typos, prototype members, Socket.IO's own reserved words. */
export const unknownEventNames = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'room:', 'ROOM:JOIN', 'room:join ', 'mls:commit\u0000', 'app:error', 'lobby:knock:extra', 'x'.repeat(10_000)),
  fc.string({ maxLength: 24 }).filter((name) => !Object.hasOwn(clientRequests, name) && !['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'].includes(name)),
);

export function socketInputs(event: ClientRequestName | 'unknown', context: ArbitraryContext, roles: readonly RoleName[]): fc.Arbitrary<SocketInput> {
  const name = event === 'unknown' ? unknownEventNames : fc.constant<string>(event);
  const payload = event === 'unknown' ? hostileValue() : malformed(clientRequests[event].request, context);
  return fc.record({
    who: fc.constantFrom(...roles),
    event: name,
    mode: fc.oneof({ weight: 6, arbitrary: fc.constant<AckMode>('ack') }, { weight: 1, arbitrary: fc.constantFrom<AckMode>('no-ack', 'extra-args') }),
    args: fc.oneof({ weight: 6, arbitrary: payload.map((p) => [p]) }, { weight: 1, arbitrary: fc.array(hostileValue(), { maxLength: 3 }) }),
  });
}

/** Socket.IO packets (type digit, optional attachments and ack id, JSON) that the client library would never write. */
export function rawPackets(roles: readonly RoleName[]): fc.Arbitrary<RawPacketInput> {
  const eventName = fc.oneof(fc.constantFrom(...(Object.keys(clientRequests) as string[])), unknownEventNames, fc.constantFrom('disconnect', 'connect', 'error', 'newListener'));
  const json = (value: unknown) => {
    try {
      return JSON.stringify(value) ?? 'null';
    } catch {
      return 'null';
    }
  };
  const wellFramed = fc
    .tuple(fc.constantFrom('2', '3'), fc.option(fc.nat({ max: 2 ** 31 }), { nil: undefined }), eventName, fc.array(hostileValue(), { maxLength: 2 }))
    .map(([type, id, name, args]) => `4${type}${id ?? ''}${json([name, ...args])}`);
  const broken = fc.oneof(
    fc.constantFrom(
      '4',
      '42',
      '42[',
      '42{}',
      '42"room:join"',
      '42[]',
      '42[null]',
      '42[1,2]',
      '4999999999999999999999["room:join"]',
      '45-["room:join",{"_placeholder":true,"num":0}]',
      '451-["mls:commit",{"_placeholder":true,"num":7}]',
      '46-[{"_placeholder":true,"num":0}]',
      '43["x"]',
      '431[]',
      '4100000000000000000000[]',
      '40',
      '40{"token":"x"}',
      '41',
      '44{"message":"x"}',
      '49',
      '4/admin,42["x"]',
      '4/nope,0',
      '2',
      '6',
      '1',
    ),
    fc.string({ maxLength: 40 }).map((text) => `4${text}`),
    fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), fc.string({ maxLength: 40 })).map(([type, rest]) => `4${type}${rest}`),
  );
  const deep = fc.tuple(eventName, deepJsonText).map(([name, text]) => `42[${JSON.stringify(name)},${text}]`);
  return fc.record({
    who: fc.constantFrom(...roles),
    packet: fc.oneof({ weight: 4, arbitrary: wellFramed }, { weight: 5, arbitrary: broken }, { weight: 1, arbitrary: deep }),
  });
}

const ACK_TIMEOUT_MS = 10_000;

/** Emits and waits for the ack, or learns that the server closed the connection instead. */
async function askOrClosed(socket: Socket, event: string, args: unknown[]): Promise<{ answer: unknown } | 'closed' | 'timeout'> {
  let onClose: (() => void) | undefined;
  const closed = new Promise<'closed'>((resolve) => {
    onClose = () => resolve('closed');
    socket.once('disconnect', onClose);
  });
  try {
    const emitted = (socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> }).emitWithAck(event, ...args);
    return await Promise.race([emitted.then((answer) => ({ answer })), closed]);
  } catch {
    return socket.connected ? 'timeout' : 'closed';
  } finally {
    if (onClose) socket.off('disconnect', onClose);
  }
}

/** Sees every ack (the fuzz test's verbose histogram). */
export const ackWatchers: Array<(answer: unknown) => void> = [];

function outcomeOf(result: { answer: unknown } | 'closed' | 'timeout'): Outcome {
  if (typeof result === 'object') for (const watch of ackWatchers) watch(result.answer);
  if (result === 'closed') return 'refused';
  // Connected, and no answer: the request was dropped.
  if (result === 'timeout') return 'untyped';
  return judgeAnswer(result.answer);
}

/** Sends one request; judges its ack, or (sent without one) that the connection still answers. */
export async function sendRequest(socket: Socket, input: SocketInput, probe: () => [string, unknown]): Promise<Outcome> {
  if (input.mode === 'ack') return outcomeOf(await askOrClosed(socket, input.event, input.args));
  const args = input.mode === 'extra-args' ? [...input.args, 'not a callback'] : input.args;
  (socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit(input.event, ...args);
  // Errors of an ack-less request come as `app:error` (judged where they arrive); the connection must go on answering.
  const [event, payload] = probe();
  return outcomeOf(await askOrClosed(socket, event, [payload]));
}

/** A namespace connect or disconnect, or another namespace: what the server routes for the connection changes behind the client library's back. */
const namespacePacket = /^4(0|1|\/)/;

/** Writes one raw Socket.IO packet (without Engine.IO's leading "4") and checks that the connection still answers, or was closed. */
export async function sendRawPacket(socket: Socket, input: RawPacketInput, probe: () => [string, unknown]): Promise<Outcome> {
  const engine = (socket.io as unknown as { engine: { send(data: string): void } }).engine;
  engine.send(input.packet.slice(1));
  if (namespacePacket.test(input.packet)) {
    // The client library no longer knows where it stands: give the connection up (a fresh one serves the next input).
    socket.close();
    return 'refused';
  }
  const [event, payload] = probe();
  return outcomeOf(await askOrClosed(socket, event, [payload]));
}
