import { Types, type MongooseQueryMiddleware, type Query, type Schema } from 'mongoose';

/** Which documents, by `_id`, a write touched: these, or — a filter that names no ids — any of them. */
export type Touched = readonly string[] | 'all';

const queryWrites: MongooseQueryMiddleware[] = ['updateOne', 'updateMany', 'findOneAndUpdate', 'findOneAndReplace', 'findOneAndDelete', 'deleteOne', 'deleteMany', 'replaceOne'];

function isId(value: unknown): value is string | Types.ObjectId {
  return typeof value === 'string' || value instanceof Types.ObjectId;
}

/** The ids a query's filter limits it to: `_id` as a value, `{$eq}` or `{$in}`; anything else could touch any document. */
export function touchedBy(filter: Record<string, unknown>): Touched {
  const id = filter._id;
  if (isId(id)) return [String(id)];
  if (typeof id === 'object' && id !== null) {
    const { $eq, $in, ...rest } = id as { $eq?: unknown; $in?: unknown };
    if (Object.keys(rest).length === 0) {
      if ($in === undefined && isId($eq)) return [String($eq)];
      if ($eq === undefined && Array.isArray($in) && $in.every(isId)) return $in.map(String);
    }
  }
  return 'all';
}

/**
 * Tells `touched` of every write made through the models compiled from this
 * schema — updates, replacements and deletes by query, saves of documents,
 * bulk writes — with the ids each could have changed, and waits for it: the
 * write resolves only after `touched` has, so whoever answers after the write
 * answers after `touched` too. One place for every writer, present and to
 * come. Inserts through `insertMany` are new ids, of which nothing can have
 * been known before.
 */
export function reportWrites(schema: Schema, touched: (ids: Touched) => Promise<void>): void {
  schema.post(queryWrites, async function (this: Query<unknown, unknown>) {
    await touched(touchedBy(this.getFilter()));
  });
  schema.post('save', async function (this: { _id: unknown }) {
    await touched([String(this._id)]);
  });
  schema.post('bulkWrite', async function () {
    await touched('all');
  });
}
