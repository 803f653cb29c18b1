import { toValidationIssues } from '@care/shared';
import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Parses untrusted input with its schema or fails with a 400 that names each problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = toValidationIssues(parsed.error);
  throw new AppError('invalid_payload', `Invalid ${what}: ${issues.map((i) => (i.path ? `${i.path} ${i.message}` : i.message)).join('; ')}`, issues);
}
