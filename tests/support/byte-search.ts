import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

/** A secret, and the forms in which it could leak: raw bytes, hex and base64. */
export function needleForms(label: string, bytes: Uint8Array): Array<{ label: string; needle: Buffer }> {
  const raw = Buffer.from(bytes);
  return [
    { label: `${label} (raw)`, needle: raw },
    { label: `${label} (hex)`, needle: Buffer.from(raw.toString('hex')) },
    { label: `${label} (HEX)`, needle: Buffer.from(raw.toString('hex').toUpperCase()) },
    { label: `${label} (base64)`, needle: Buffer.from(raw.toString('base64').replace(/=+$/, '')) },
    { label: `${label} (base64url)`, needle: Buffer.from(raw.toString('base64url')) },
    { label: `${label} sha256 fingerprint`, needle: Buffer.from(createHash('sha256').update(raw).digest('hex')) },
  ];
}

export interface Haystack {
  label: string;
  bytes: Buffer;
}

/** Every regular file below `dir` (unreadable ones are reported, not skipped silently). */
export function filesBelow(dir: string): Haystack[] {
  const found: Haystack[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && statSync(full).size < 256 * 1024 * 1024) found.push({ label: full, bytes: readFileSync(full) });
    }
  };
  walk(dir);
  return found;
}

/**
 * Which needles occur in which haystacks: the list a privacy test wants
 * empty. A `whole` needle counts only where no letter, digit, `-` or `_`
 * touches it: a short code ("bjn") turns up inside random base64url tokens
 * now and then (a session record once held one), while the code stored or
 * sent as itself sits between quotes, a length byte or the end.
 */
export function findLeaks(needles: Array<{ label: string; needle: Buffer; whole?: boolean }>, haystacks: Haystack[]): string[] {
  const leaks: string[] = [];
  for (const { label, bytes } of haystacks) {
    for (const { label: what, needle, whole = false } of needles) {
      if (needle.length > 0 && (whole ? includesWhole(bytes, needle) : bytes.includes(needle))) leaks.push(`${what} found in ${label}`);
    }
  }
  return leaks;
}

const WORD_BYTE = /[A-Za-z0-9_-]/;

function includesWhole(bytes: Buffer, needle: Buffer): boolean {
  const touches = (at: number) => at >= 0 && at < bytes.length && WORD_BYTE.test(String.fromCharCode(bytes[at] as number));
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) {
    if (!touches(at - 1) && !touches(at + needle.length)) return true;
  }
  return false;
}

/** Every Redis key with its DUMP (the serialized value, as Redis would persist it). */
export async function redisHaystacks(redis: {
  scan(cursor: string, count: 'COUNT', n: number): Promise<[string, string[]]>;
  dumpBuffer(key: string): Promise<Buffer | null>;
}): Promise<Haystack[]> {
  const found: Haystack[] = [];
  for await (const key of redisKeys(redis)) {
    const dump = await redis.dumpBuffer(key);
    if (dump) found.push({ label: `redis ${key}`, bytes: Buffer.concat([Buffer.from(key), dump]) });
  }
  return found;
}

/** Every key, by SCAN. */
async function* redisKeys(redis: { scan(cursor: string, count: 'COUNT', n: number): Promise<[string, string[]]> }): AsyncGenerator<string> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    yield* keys;
  } while (cursor !== '0');
}

/** Every document of every collection, as JSON. */
export async function collectionHaystacks(db: {
  listCollections(): { toArray(): Promise<Array<{ name: string }>> };
  collection(name: string): { find(filter: object): { toArray(): Promise<unknown[]> } };
}): Promise<Haystack[]> {
  const found: Haystack[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    found.push({ label: `collection ${name}`, bytes: Buffer.from(JSON.stringify(await db.collection(name).find({}).toArray())) });
  }
  return found;
}

/**
 * Every Redis key with its value as read back (strings, hash fields and
 * values, set, sorted-set and list members, stream entries). DUMP alone may
 * miss a needle: Redis compresses (LZF) values it serialises when that
 * saves space, so a name inside a longer value need not appear as bytes.
 */
export async function redisValueHaystacks(redis: Redis): Promise<Haystack[]> {
  const found: Haystack[] = [];
  for await (const key of redisKeys(redis)) {
    const parts: Buffer[] = [Buffer.from(key)];
    const type = await redis.type(key);
    if (type === 'string') parts.push((await redis.getBuffer(key)) ?? Buffer.alloc(0));
    else if (type === 'hash') for (const [field, value] of Object.entries(await redis.hgetallBuffer(key))) parts.push(Buffer.from(field), value);
    else if (type === 'set') parts.push(...(await redis.smembersBuffer(key)));
    else if (type === 'zset') parts.push(...(await redis.zrangeBuffer(key, 0, '-1')));
    else if (type === 'list') parts.push(...(await redis.lrangeBuffer(key, 0, -1)));
    else if (type === 'stream') for (const [id, fields] of await redis.xrangeBuffer(key, '-', '+')) parts.push(id, ...fields);
    found.push({ label: `redis ${key} (${type})`, bytes: Buffer.concat(parts.flatMap((p) => [p, Buffer.from('\n')])) });
  }
  return found;
}
