import type { ApplicationPayload, ResumeNotice, SeenRanges, SequencedEnvelope } from '@care/shared';

/** Lines kept to send again, per page: a reconnect takes seconds, and the chat budget allows a few dozen lines a minute. */
export const OUTBOX_LINES = 50;
/** Lines sent again for one page that came back, at most (the newest): within the request budget of a connection. */
export const RESEND_LINES = 20;
/** Sequence numbers remembered per sender, for telling a line sent again from a new one. */
const SEEN_PER_STREAM = 1024;
/** Senders (and pages that came back) remembered in one session. */
const STREAMS_KEPT = 256;
const RANGES_REPORTED = 8;
const STREAMS_REPORTED = 32;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function freshSecret(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/** The public name of a stream: SHA-256 over its secret, so showing the name does not give the secret away. */
export async function streamOf(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`care-asn message stream\0${secret}`));
  return hex(new Uint8Array(digest).slice(0, 16));
}

/** Sorted sequence numbers as inclusive ranges, the newest last. */
export function toRanges(seqs: Iterable<number>): Array<[number, number]> {
  const sorted = [...seqs].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const seq of sorted) {
    const last = ranges.at(-1);
    if (last && seq === last[1] + 1) last[1] = seq;
    else if (!last || seq > last[1]) ranges.push([seq, seq]);
  }
  return ranges;
}

function covered(ranges: ReadonlyArray<readonly [number, number]> | undefined, seq: number): boolean {
  return ranges?.some(([from, to]) => seq >= from && seq <= to) ?? false;
}

/** Keeps a map within `limit` entries by dropping the oldest inserted. */
function capped<K, V>(map: Map<K, V>, limit: number): void {
  while (map.size > limit) map.delete(map.keys().next().value as K);
}

/**
 * One page's numbering of what it sends over MLS, and its record of what it
 * received, for the whole visit of a session (it outlives each room visit's
 * MLS member, so a reconnect keeps it). Everything here travels inside the
 * encrypted payload; nothing is stored beyond this page's memory.
 *
 * Sending: each payload gets the next number of this page's stream and is
 * kept (the last OUTBOX_LINES) in case someone comes back having missed it.
 * Receiving: a line already held (sent again) is not shown twice.
 * Coming back: `announce` says what this page holds of every sender and
 * proves, with the secret behind its previous stream, that it is the page
 * that was here; the others' pages answer with `resume`: what they sent
 * since that page first announced itself and it does not hold. A page that
 * was never here gets nothing from before it came.
 */
export class MessageSequence {
  #secret = freshSecret();
  #stream: Promise<string> = streamOf(this.#secret);
  #announced = false;
  #nextSeq = 1;
  readonly #outbox: SequencedEnvelope[] = [];
  /** By another page's stream: the first of our numbers it was here for. */
  readonly #joinedAt = new Map<string, number>();
  /** By sender stream: the numbers received. */
  readonly #seen = new Map<string, Set<number>>();

  /** This page's current stream. */
  stream(): Promise<string> {
    return this.#stream;
  }

  /** Numbers a payload in this page's stream and keeps it for sending again. */
  async seal(payload: ApplicationPayload): Promise<SequencedEnvelope> {
    const envelope: SequencedEnvelope = { stream: await this.#stream, seq: this.#nextSeq++, payload };
    this.#outbox.push(envelope);
    if (this.#outbox.length > OUTBOX_LINES) this.#outbox.shift();
    return envelope;
  }

  /** The payload to show, or undefined when this page already has it (or it was sent again for another page). */
  async receive(envelope: SequencedEnvelope): Promise<ApplicationPayload | undefined> {
    if (envelope.for !== undefined && envelope.for !== (await this.#stream)) return undefined;
    let seen = this.#seen.get(envelope.stream);
    if (!seen) {
      seen = new Set();
      this.#seen.set(envelope.stream, seen);
      capped(this.#seen, STREAMS_KEPT);
    }
    if (seen.has(envelope.seq)) return undefined;
    seen.add(envelope.seq);
    if (seen.size > SEEN_PER_STREAM) seen.delete(Math.min(...seen));
    return envelope.payload;
  }

  /**
   * What this page says on entering the room's group: its stream the first
   * time; on coming back, a new stream, the secret of the one before (now
   * spent: nobody can claim this page's place with it again) and what it holds.
   */
  async announce(): Promise<ResumeNotice> {
    if (!this.#announced) {
      this.#announced = true;
      return { kind: 'resume', stream: await this.#stream, seen: [] };
    }
    const proof = this.#secret;
    this.#secret = freshSecret();
    this.#stream = streamOf(this.#secret);
    const seen: SeenRanges[] = [...this.#seen]
      .slice(-STREAMS_REPORTED)
      .map(([stream, seqs]) => ({ stream, ranges: toRanges(seqs).slice(-RANGES_REPORTED) }));
    return { kind: 'resume', stream: await this.#stream, proof, seen };
  }

  /**
   * Another page announced itself: the lines to send again for it (in
   * order), none when it was not here before or cannot prove it was; and,
   * when it did not know this page, this page's answer to send it.
   * `heardOurs`: that page was in the group when this page announced itself
   * (or will be, this page not having announced yet), so it learns this
   * page's stream from that and needs no answer. Everyone let in together
   * hears each other's announcements: answering them too would cost a
   * circle of eight ~56 needless messages, each sealed and opened on a phone.
   */
  async resume(notice: ResumeNotice, { heardOurs = false }: { heardOurs?: boolean } = {}): Promise<{ resend: SequencedEnvelope[]; answer?: ResumeNotice }> {
    const previous = notice.proof === undefined ? undefined : await streamOf(notice.proof);
    const since = previous === undefined ? undefined : this.#joinedAt.get(previous);
    if (previous !== undefined) this.#joinedAt.delete(previous);
    if (since === undefined) {
      if (!this.#joinedAt.has(notice.stream)) this.#joinedAt.set(notice.stream, this.#nextSeq);
      capped(this.#joinedAt, STREAMS_KEPT);
      if (notice.answer || heardOurs) return { resend: [] };
      return { resend: [], answer: { kind: 'resume', stream: await this.#stream, seen: [], answer: true } };
    }
    this.#joinedAt.set(notice.stream, since);
    capped(this.#joinedAt, STREAMS_KEPT);
    const held = new Map(notice.seen.map((s) => [s.stream, s.ranges]));
    const resend = this.#outbox
      .filter((sent) => sent.seq >= since && !covered(held.get(sent.stream), sent.seq))
      .slice(-RESEND_LINES)
      .map((sent) => ({ ...sent, for: notice.stream }));
    return { resend };
  }
}
