import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The Redis connection the streams adapter (@socket.io/redis-streams-adapter)
 * publishes on and reads from, sealing what it keeps in Redis. A broadcast
 * between nodes is an entry of a Redis stream, kept for a while so a node that
 * lost its connection (a failover) reads on from where it was; but a broadcast
 * can carry a lobby knock with a name or a circle pseudonym, and a copy of
 * Redis must not say who waits for whom (tests/hostile/names-in-redis). So
 * each entry keeps only its namespace (the adapter filters on it) in the
 * clear; the rest (the sending node's id, the packet type and the packet) is
 * one AES-256-GCM box under a key every node derives from the deployment's
 * shared node key, bound to the stream and namespace. An entry that does not
 * open (another deployment's, or altered) is skipped like one of another
 * namespace. Only XADD and XREAD are sealed: XRANGE serves connection state
 * recovery, which is off (socket-server.ts).
 */
export function sealedStreamClient(client: Redis, nodeKey: Buffer | undefined): Redis {
  const key = Buffer.from(hkdfSync('sha256', nodeKey ?? randomBytes(32), Buffer.alloc(0), 'care-asn socket.io stream seal v1', 32));
  return seal(client, key);
}

const SEALED_FIELD = 'sealed';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

function seal(client: Redis, key: Buffer): Redis {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'xadd') return (args: Array<string | number>) => target.xadd(...(sealArgs(args, key) as [string, ...string[]]));
      if (property === 'xread') {
        return async (...args: Array<string | number>) => {
          const results = (await (target.xread as (...a: Array<string | number>) => Promise<StreamResults | null>)(...args)) ?? null;
          return results && results.map(([stream, entries]) => [stream, entries.map(([id, fields]) => [id, openFields(stream, fields, key)])]);
        };
      }
      // Its connections (the adapter duplicates this one for reading) seal alike.
      if (property === 'duplicate') return (...args: Parameters<Redis['duplicate']>) => seal(target.duplicate(...args), key);
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

type StreamResults = Array<[stream: string, entries: Array<[id: string, fields: string[]]>]>;

/** XADD's arguments as the adapter gives them (stream, MAXLEN ~ n, *, then field, value pairs), its fields sealed. */
function sealArgs(args: Array<string | number>, key: Buffer): Array<string | number> {
  const idAt = args.indexOf('*');
  const stream = String(args[0]);
  const fields = args.slice(idAt + 1).map(String);
  const clear: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) clear[fields[i]!] = fields[i + 1]!;
  const { nsp = '', ...rest } = clear;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(`${stream}\u0000${nsp}`));
  const box = Buffer.concat([nonce, cipher.update(JSON.stringify(rest), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [...args.slice(0, idAt + 1), 'nsp', nsp, SEALED_FIELD, box.toString('base64')];
}

/** An entry's fields as the adapter wrote them, or none (skipped by the adapter) when its box does not open. */
function openFields(stream: string, fields: string[], key: Buffer): string[] {
  const entry: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
  const sealed = entry[SEALED_FIELD];
  const nsp = entry.nsp ?? '';
  if (sealed === undefined) return [];
  try {
    const box = Buffer.from(sealed, 'base64');
    if (box.length < NONCE_BYTES + TAG_BYTES) return [];
    const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(`${stream}\u0000${nsp}`));
    decipher.setAuthTag(box.subarray(box.length - TAG_BYTES));
    const clear = JSON.parse(Buffer.concat([decipher.update(box.subarray(NONCE_BYTES, box.length - TAG_BYTES)), decipher.final()]).toString('utf8')) as Record<string, string>;
    return [...Object.entries(clear).flat(), 'nsp', nsp];
  } catch {
    return [];
  }
}
