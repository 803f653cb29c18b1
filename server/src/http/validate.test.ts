import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseInput } from './validate.js';

const Invite = z.object({ email: z.string(), displayName: z.string(), tags: z.array(z.string()) });

function refusal(input: unknown): AppError {
  try {
    parseInput(Invite, input, 'invite');
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseInput', () => {
  it('returns what the schema accepts', () => {
    expect(parseInput(Invite, { email: 'a@b.id', displayName: 'Sari', tags: ['x'] }, 'invite')).toEqual({ email: 'a@b.id', displayName: 'Sari', tags: ['x'] });
  });

  it('refuses a schema failure as invalid_payload naming the field', () => {
    const error = refusal({ email: 'a@b.id', displayName: 3, tags: [] });
    expect(error.code).toBe('invalid_payload');
    expect(error.message).toContain('displayName');
  });

  // Found by the fuzz test: a NUL in a name reached PostgreSQL (under FerretDB) and came back a 500.
  it('refuses a NUL anywhere in the text, with the field it is in', () => {
    const error = refusal({ email: 'a@b.id', displayName: 'Sa\u0000ri', tags: [] });
    expect(error.code).toBe('invalid_payload');
    expect(error.message).toContain('displayName');
    expect(refusal({ email: 'a@b.id', displayName: 'Sari', tags: ['ok', '\u0000'] }).message).toContain('tags.1');
  });
});
