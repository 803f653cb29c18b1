import { toValidationIssues } from '@care/shared';
import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Where in a value a string holds U+0000, if anywhere (depth-first, the first one). */
function nulAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = nulAt(inner, path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Parses untrusted input with its schema or fails with a 400 that names each problem.
 * No text we accept may hold U+0000: PostgreSQL (under FerretDB) cannot store it and
 * would turn an insert into a 500, and no honest name, address or code contains it.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) {
    const at = nulAt(parsed.data, '');
    if (at === undefined) return parsed.data;
    throw new AppError('invalid_payload', `Invalid ${what}: ${at || 'the input'} contains a NUL character`, [{ path: at, message: 'contains a NUL character' }]);
  }
  const issues = toValidationIssues(parsed.error);
  throw new AppError('invalid_payload', `Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path} ${i.message}` : i.message)).join('; ')}`, issues);
}
