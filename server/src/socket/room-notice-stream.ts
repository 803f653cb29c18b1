import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppServer } from './types.js';

/** The stream every node writes its notices to and reads the others' from. */
export const NOTICE_STREAM_KEY = 'care:notices';
/** How long Redis keeps a notice: long enough for a node to read on after a failover, not a record of who was told what. */
export const NOTICE_KEPT_MS = 120_000;
const READ_BLOCK_MS = 5_000;
const READ_COUNT = 200;
const RETRY_MS = 250;
const CLOSE_WAIT_MS = 1_000;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Without a configured shared key (only outside production) every node derives this one: sealed alike, not secret. */
const UNSET_KEY = Buffer.alloc(32);

interface Notice {
  /** This notice's own id: an entry written again (a replay by whoever can write to Redis) is delivered once. */
  id: string;
  /** When it was sent: an entry older than the stream keeps any (a replay of a saved one) is not delivered. */
  at: number;
  /** The node that sent it (it delivered it to its own connections already). */
  node: string;
  rooms: string[];
  /** Connections in these rooms are left out (a follower who sees this person differently is told apart). */
  except: string[];
  event: string;
  payload: unknown;
  /** The connections in those rooms are closed once told (a sign-in ended). */
  disconnect: boolean;
}

/**
 * Pushes to a person's connections on every node (a lobby knock, an
 * admission, a calendar change, presence, and the end of a sign-in with the
 * closing of its connections) that a Redis failover must not lose. The Socket.IO adapter's pub/sub keeps nothing, so a push published on
 * the new primary before the other node has resubscribed there is gone: a
 * counselor would never see the client knocking. Here each notice is an
 * entry of a Redis stream that every node reads on from the last entry it
 * saw, reconnecting through the failover: late, not lost (only an entry the
 * old primary had not yet passed to its replica can be). The sending node
 * delivers to its own connections at once, as before.
 *
 * A notice can carry a name (a knock's display name), and a copy of Redis
 * must not say who waits for whom (tests/hostile/names-in-redis): each entry
 * is one AES-256-GCM box under a key every node derives from the
 * deployment's shared node key (RATE_LIMIT_KEY, required in production), and
 * the stream keeps entries for two minutes at most. An entry that does not
 * open (altered, or another deployment's) is skipped, and so is one written
 * again (a replay: each notice has an id, delivered once, and a time, too
 * old past two minutes).
 */
export class RoomNoticeStream {
  readonly #nodeId = randomUUID();
  readonly #key: Buffer;
  readonly #writer: Redis;
  readonly #reader: Redis;
  readonly #main: Redis;
  #lastId = '$';
  #reading: Promise<void> | undefined;
  #closed = false;
  /** Resolved by close(): a read waiting on a connection that is reconnecting would otherwise never settle. */
  #stop!: () => void;
  readonly #stopped = new Promise<'stopped'>((resolve) => (this.#stop = () => resolve('stopped')));
  #failedWrites = 0;
  /** The notices delivered from the stream lately, by id, with when. */
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly io: AppServer,
    redis: Redis,
    sharedKey: Buffer | undefined,
    private readonly log: Logger,
  ) {
    this.#main = redis;
    this.#key = Buffer.from(hkdfSync('sha256', sharedKey ?? UNSET_KEY, Buffer.alloc(0), 'care-asn notice stream v1', 32));
    // Both wait for Redis however long it is away: a notice is late, not dropped, and the reader resumes where it was.
    this.#writer = redis.duplicate({ maxRetriesPerRequest: null, connectionName: 'care-notice-write' });
    this.#reader = redis.duplicate({ maxRetriesPerRequest: null, connectionName: 'care-notice-read' });
    // Their failures are the main connection's too, and logged there.
    for (const client of [this.#writer, this.#reader]) client.on('error', () => undefined);
  }

  /** Reads on from the newest entry there is now (notices sent before this node started are not its to deliver). */
  async start(): Promise<void> {
    // On the main connection, whose commands give up: a node that cannot reach Redis at start says so.
    const newest = (await this.#main.xrevrange(NOTICE_STREAM_KEY, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    this.#lastId = newest[0]?.[0] ?? '0-0';
    this.#reading = this.#read();
  }

  /**
   * To the rooms' connections here at once, and through the stream to those
   * on the other nodes, but for those also in an `except` room; with
   * `disconnect`, each is closed once told (a sign-in that ended must not
   * outlive a failover on another node either).
   */
  emit(rooms: string | string[], event: string, payload: unknown, options: { disconnect?: boolean; except?: string[] } = {}): void {
    const notice: Notice = {
      id: randomUUID(),
      at: Date.now(),
      node: this.#nodeId,
      rooms: typeof rooms === 'string' ? [rooms] : rooms,
      except: options.except ?? [],
      event,
      payload,
      disconnect: options.disconnect === true,
    };
    this.#deliver(notice);
    if (this.#closed) return;
    const box = this.#seal(notice);
    // Trimmed exactly (`~` would keep whole blocks of older entries), and the stream goes when nothing was
    // written for as long: Redis holds no notice older than that, busy or quiet.
    const kept = Date.now() - NOTICE_KEPT_MS;
    this.#writer
      .pipeline()
      .xadd(NOTICE_STREAM_KEY, 'MINID', `${kept}`, '*', 'box', box)
      .pexpire(NOTICE_STREAM_KEY, NOTICE_KEPT_MS)
      .exec()
      .catch((error: unknown) => {
        this.#failedWrites += 1;
        // One line per hundred, so an outage does not flood the log.
        if (this.#failedWrites % 100 === 1) this.log.warn({ err: error, failed: this.#failedWrites }, 'a notice to the other nodes could not be written');
      });
  }

  /** Stops reading (a blocked read is cut) and lets the writes under way finish, for a second at most (Redis may be away). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop();
    this.#reader.disconnect();
    await this.#reading;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#writer.quit().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    this.#writer.disconnect();
  }

  async #read(): Promise<void> {
    while (!this.#closed) {
      let batches: Array<[string, Array<[string, string[]]>]> | null;
      try {
        const read = this.#reader.xread('COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', NOTICE_STREAM_KEY, this.#lastId) as Promise<typeof batches>;
        // Left behind at close, it may still fail later: nobody waits for it then.
        read.catch(() => undefined);
        const outcome = await Promise.race([read, this.#stopped]);
        if (outcome === 'stopped') return;
        batches = outcome;
      } catch (error) {
        if (this.#closed) return;
        this.log.debug({ err: error }, 'notice stream read failed; reading on');
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      for (const [, entries] of batches ?? []) {
        for (const [id, fields] of entries) {
          this.#lastId = id;
          const notice = this.#open(fields);
          if (!notice || notice.node === this.#nodeId || !this.#fresh(notice)) continue;
          this.#deliver(notice);
        }
      }
    }
  }

  /** Not seen before and not older than the stream keeps notices; remembered for as long. */
  #fresh({ id, at }: Notice): boolean {
    const now = Date.now();
    for (const [seenId, seenAt] of this.#seen) {
      // In insertion order, oldest first: those past the window are forgotten.
      if (now - seenAt <= NOTICE_KEPT_MS) break;
      this.#seen.delete(seenId);
    }
    if (this.#seen.has(id) || now - at > NOTICE_KEPT_MS || at - now > NOTICE_KEPT_MS) return false;
    this.#seen.set(id, now);
    return true;
  }

  #deliver({ rooms, except, event, payload, disconnect }: Notice): void {
    // Leaving nobody out is the plain broadcast, as before `except` existed.
    const leavingOut = <T extends { except(rooms: string[]): T }>(operator: T): T => (except.length > 0 ? operator.except(except) : operator);
    (leavingOut(this.io.local.to(rooms)).emit as (e: string, p: unknown) => boolean)(event, payload);
    if (disconnect) leavingOut(this.io.local.in(rooms)).disconnectSockets(true);
  }

  #seal(notice: Notice): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(NOTICE_STREAM_KEY));
    return Buffer.concat([nonce, cipher.update(JSON.stringify(notice), 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
  }

  #open(fields: string[]): Notice | undefined {
    const at = fields.indexOf('box');
    const sealed = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    if (sealed === undefined) return undefined;
    try {
      const box = Buffer.from(sealed, 'base64');
      if (box.length < NONCE_BYTES + TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.#key, box.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(NOTICE_STREAM_KEY));
      decipher.setAuthTag(box.subarray(box.length - TAG_BYTES));
      const clear = Buffer.concat([decipher.update(box.subarray(NONCE_BYTES, box.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      const notice = JSON.parse(clear) as Partial<Notice>;
      const rooms = notice.rooms;
      if (typeof notice.node !== 'string' || typeof notice.event !== 'string' || !Array.isArray(rooms) || !rooms.every((r) => typeof r === 'string')) return undefined;
      // A node of the release before wrote no `except`: it meant nobody left out.
      notice.except ??= [];
      if (!Array.isArray(notice.except) || !notice.except.every((r) => typeof r === 'string')) return undefined;
      if (typeof notice.disconnect !== 'boolean' || typeof notice.id !== 'string' || typeof notice.at !== 'number') return undefined;
      return notice as Notice;
    } catch {
      return undefined;
    }
  }
}
