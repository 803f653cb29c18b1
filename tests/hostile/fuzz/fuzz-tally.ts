import { ErrorCode } from '@care/shared';
import { z } from 'zod';

/** Every answer the server may give: data, or a typed error with a known code. */
export const TypedAnswer = z.union([
  // Health checks answer `{ ok: true }` (and readiness its checks) without a data field.
  z.object({ ok: z.literal(true), data: z.unknown().optional() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: ErrorCode, message: z.string().min(1), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() }),
  }),
]);

/** How the server took one input. */
export type Outcome =
  /** A typed answer: data, or an error the client can act on. */
  | 'typed'
  /** Refused before any handler: the connection closed cleanly (a socket frame over the size limit, a malformed packet). */
  | 'refused'
  /** Not answered for the server's own failure: a 5xx, or an `internal`/`unavailable` code. */
  | 'server_error'
  /** An answer that is not a typed one (an HTML error page, a bare string, no answer at all). */
  | 'untyped';

const serverSideCodes = new Set<string>(['internal', 'unavailable']);

/** Judges a parsed answer body (a REST body or a socket ack). */
export function judgeAnswer(body: unknown): Outcome {
  const parsed = TypedAnswer.safeParse(body);
  if (!parsed.success) return 'untyped';
  return !parsed.data.ok && serverSideCodes.has(parsed.data.error.code) ? 'server_error' : 'typed';
}

/** Counts for the run, and the one line `npm run fuzz` ends with. */
export class FuzzTally {
  inputs = 0;
  rest = 0;
  socket = 0;
  refused = 0;
  crashes = 0;
  unhandled = 0;
  serverErrors = 0;
  untyped = 0;

  record(channel: 'rest' | 'socket', outcome: Outcome): void {
    this.inputs += 1;
    this[channel] += 1;
    if (outcome === 'refused') this.refused += 1;
    if (outcome === 'server_error') this.serverErrors += 1;
    if (outcome === 'untyped') this.untyped += 1;
  }

  summary(): string {
    return `fuzz: inputs=${this.inputs} crashes=${this.crashes} unhandled=${this.unhandled} server_errors=${this.serverErrors} untyped=${this.untyped}`;
  }

  detail(): string {
    return `fuzz: rest=${this.rest} socket=${this.socket} refused_cleanly=${this.refused}`;
  }
}
