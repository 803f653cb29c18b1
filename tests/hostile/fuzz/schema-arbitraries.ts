import fc from 'fast-check';
import type { z } from 'zod';
import { hostileValue } from './hostile-values.js';

/**
 * fast-check arbitraries derived from the shared zod schemas (zod 4's
 * internal definitions, the form its own JSON Schema generator reads): values
 * of roughly the right shape (`validish`), and the same with something broken
 * (`malformed`) — one field swapped for a hostile value, a required field
 * gone, extra or prototype-polluting keys, or something else entirely.
 * No library does this for zod 4 here (zod-fast-check stops at zod 3 and
 * fast-check 3; @traversable/zod-test is not in the registry).
 */

export interface ArbitraryContext {
  /** Ids that exist (people, appointments): an id field sometimes names one, so checks past the schema run too. */
  knownIds: readonly string[];
}

type Schema = z.core.$ZodType;
type AnyArbitrary = fc.Arbitrary<unknown>;

const OBJECT_ID = '^[a-f0-9]{24}$';

function stringArbitrary(def: z.core.$ZodStringDef | z.core.$ZodStringFormatDef, context: ArbitraryContext): AnyArbitrary {
  const checks = (def.checks ?? []).map((check) => check._zod.def as unknown as { check: string; format?: string; pattern?: RegExp; minimum?: number; maximum?: number });
  const formatDef = def as { format?: string; pattern?: RegExp };
  const format = formatDef.format ?? checks.find((c) => c.check === 'string_format')?.format;
  const pattern = formatDef.pattern ?? checks.find((c) => c.pattern)?.pattern;
  if (format === 'datetime') return fc.date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (format === 'uuid' || format === 'guid') return fc.uuid();
  if (format === 'email') return fc.emailAddress();
  if (pattern) {
    // fast-check reads no flags: without `i` the pattern still matches a part of what the schema accepts.
    const matching = fc.stringMatching(new RegExp(pattern.source));
    return pattern.source === OBJECT_ID && context.knownIds.length > 0 ? fc.oneof(matching, fc.constantFrom(...context.knownIds)) : matching;
  }
  const minLength = checks.find((c) => c.check === 'min_length')?.minimum ?? 0;
  const maxLength = Math.min(checks.find((c) => c.check === 'max_length')?.maximum ?? 40, minLength + 40);
  return fc.string({ minLength, maxLength });
}

function numberArbitrary(def: z.core.$ZodNumberDef): AnyArbitrary {
  const checks = (def.checks ?? []).map((check) => check._zod.def as unknown as { check: string; format?: string; value?: number });
  const integer = checks.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32'));
  const min = checks.find((c) => c.check === 'greater_than')?.value ?? -1e6;
  const max = checks.find((c) => c.check === 'less_than')?.value ?? 1e6;
  const arbitrary = integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true });
  // A coercing schema reads a query string: numbers arrive as text.
  return def.coerce ? arbitrary.map(String) : arbitrary;
}

/** A value the schema would (nearly) accept: right types, right keys, enum members, lengths in range. */
export function validish(schema: Schema, context: ArbitraryContext): AnyArbitrary {
  const zod = schema as z.core.$ZodTypes;
  const def = zod._zod.def;
  switch (def.type) {
    case 'string':
      return stringArbitrary(def, context);
    case 'number':
      return numberArbitrary(def as z.core.$ZodNumberDef);
    case 'boolean':
      return fc.boolean();
    case 'bigint':
      return fc.bigInt();
    case 'symbol':
    case 'undefined':
    case 'void':
    case 'never':
      return fc.constant(undefined);
    case 'null':
      return fc.constant(null);
    case 'nan':
      return fc.constant(Number.NaN);
    case 'any':
    case 'unknown':
      return fc.jsonValue({ maxDepth: 2 });
    case 'date':
      return fc.date({ noInvalidDate: true });
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries));
    case 'literal':
      return fc.constantFrom(...def.values);
    case 'template_literal':
      return fc.string();
    case 'file':
    case 'custom':
      // The only custom schema in the protocol is MLS bytes (Uint8Array).
      return fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes));
    case 'array': {
      const checks = (def.checks ?? []).map((check) => check._zod.def as unknown as { check: string; minimum?: number; maximum?: number });
      const minLength = checks.find((c) => c.check === 'min_length')?.minimum ?? 0;
      const maxLength = Math.min(checks.find((c) => c.check === 'max_length')?.maximum ?? 4, minLength + 4);
      return fc.array(validish(def.element, context), { minLength, maxLength });
    }
    case 'set':
      return fc.array(validish(def.valueType, context), { maxLength: 3 }).map((values) => new Set(values));
    case 'map':
      return fc.array(fc.tuple(validish(def.keyType, context), validish(def.valueType, context)), { maxLength: 3 }).map((entries) => new Map(entries));
    case 'tuple':
      return fc.tuple(...def.items.map((item) => validish(item, context)));
    case 'object': {
      const shape = def.shape as Record<string, Schema>;
      const requiredKeys = Object.keys(shape).filter((key) => shape[key]?._zod.optin !== 'optional');
      return fc.record(Object.fromEntries(Object.entries(shape).map(([key, value]) => [key, validish(value, context)])), { requiredKeys });
    }
    case 'record':
      return fc.dictionary(validish(def.keyType, context) as fc.Arbitrary<string>, validish(def.valueType, context), { maxKeys: 4 });
    case 'union':
      return fc.oneof(...def.options.map((option) => validish(option, context)));
    case 'intersection':
      return validish(def.left, context);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return validish(def.innerType, context);
    case 'success':
      return validish(def.innerType, context);
    case 'pipe':
      return validish(def.in, context);
    case 'transform':
      return fc.jsonValue({ maxDepth: 1 });
    case 'lazy':
      return validish(def.getter(), context);
    case 'promise':
      return validish(def.innerType, context);
    case 'function':
      return fc.constant(() => undefined);
    default:
      def satisfies never;
      return fc.anything();
  }
}

type Path = Array<string | number>;

/** Every place in a value that can hold another value: object keys and array slots, at any depth. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => [[...prefix, index], ...pathsOf(item, [...prefix, index])]);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Uint8Array)) {
    return Object.keys(value).flatMap((key) => [[...prefix, key], ...pathsOf((value as Record<string, unknown>)[key], [...prefix, key])]);
  }
  return [];
}

function withReplaced(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...Path];
  const copy = Array.isArray(value) ? [...(value as unknown[])] : { ...(value as Record<string, unknown>) };
  (copy as Record<string | number, unknown>)[head] = withReplaced((value as Record<string | number, unknown>)[head], rest, replacement);
  return copy;
}

function withoutKey(value: unknown, path: Path): unknown {
  if (path.length === 0) return value;
  const parent = path.slice(0, -1);
  const key = path.at(-1)!;
  const replaceParent = (holder: unknown): unknown => {
    if (Array.isArray(holder)) return holder.filter((_, index) => index !== key);
    if (holder !== null && typeof holder === 'object') {
      const rest = { ...(holder as Record<string, unknown>) };
      delete rest[key as string];
      return rest;
    }
    return holder;
  };
  let holder: unknown = value;
  for (const step of parent) holder = (holder as Record<string | number, unknown>)[step];
  return withReplaced(value, parent, replaceParent(holder));
}

/** Keys that reach for a prototype or a query operator rather than a field. */
const pollutingKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$where', '$gt', '$ne', '__defineGetter__', '');

function withExtraKeys(value: unknown, path: Path, keys: Array<[string, unknown]>): unknown {
  let holder: unknown = value;
  for (const step of path) holder = (holder as Record<string | number, unknown>)[step];
  if (holder === null || typeof holder !== 'object' || Array.isArray(holder)) holder = {};
  // Object.fromEntries defines "__proto__" as an own key, as JSON.parse does.
  return withReplaced(value, path, { ...(holder as Record<string, unknown>), ...Object.fromEntries(keys) });
}

/**
 * Inputs the schema must refuse (or, now and then by chance, accepts): the
 * shapes a modified client, a fuzzer or a bored teenager sends.
 */
export function malformed(schema: Schema, context: ArbitraryContext): AnyArbitrary {
  const shaped = validish(schema, context);
  return fc.oneof(
    // One field broken, the rest plausible: the checks after the first one run too.
    {
      weight: 4,
      arbitrary: fc.tuple(shaped, fc.nat(), hostileValue()).map(([value, pick, replacement]) => {
        const paths = pathsOf(value);
        return paths.length === 0 ? replacement : withReplaced(value, paths[pick % paths.length]!, replacement);
      }),
    },
    // A required field missing.
    {
      weight: 1,
      arbitrary: fc.tuple(shaped, fc.nat()).map(([value, pick]) => {
        const paths = pathsOf(value);
        return paths.length === 0 ? undefined : withoutKey(value, paths[pick % paths.length]!);
      }),
    },
    // Extra keys, prototype pollution among them, at the top or deeper.
    {
      weight: 2,
      arbitrary: fc
        .tuple(shaped, fc.nat(), fc.array(fc.tuple(fc.oneof(pollutingKeys, fc.string({ maxLength: 12 })), hostileValue()), { minLength: 1, maxLength: 3 }))
        .map(([value, pick, keys]) => {
          const containers = [[], ...pathsOf(value)].filter((path) => {
            let holder: unknown = value;
            for (const step of path) holder = (holder as Record<string | number, unknown>)[step];
            return holder !== null && typeof holder === 'object' && !Array.isArray(holder) && !Buffer.isBuffer(holder);
          });
          return withExtraKeys(value, containers[pick % containers.length] ?? [], keys);
        }),
    },
    // Not even the right kind of thing.
    { weight: 2, arbitrary: hostileValue() },
  );
}
