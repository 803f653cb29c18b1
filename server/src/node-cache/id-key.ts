const OBJECT_ID = /^[0-9a-f]{24}$/i;

/**
 * How node caches and their invalidations name a document: its ObjectId in
 * lower-case hex, as `String(objectId)` writes it. Null for anything else,
 * which no cache keeps.
 */
export function idKey(id: string): string | null {
  return OBJECT_ID.test(id) ? id.toLowerCase() : null;
}
