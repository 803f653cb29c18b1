import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { LastKnown } from './last-known.js';

const unreachable = () => new mongoose.mongo.MongoNetworkError('connection refused');
const later = Date.now() + 60_000;

describe('LastKnown', () => {
  it('answers with the database and remembers what it said', async () => {
    const known = new LastKnown<string>(50);
    expect(await known.freshOr('k', Promise.resolve('fresh'), () => later)).toBe('fresh');
    expect(known.recall('k')).toBe('fresh');
  });

  it('uses what it remembers only when the database cannot be reached', async () => {
    const known = new LastKnown<string>(50);
    await known.freshOr('k', Promise.resolve('before'), () => later);
    expect(await known.freshOr('k', Promise.reject(unreachable()), () => later)).toBe('before');
    await expect(known.freshOr('other', Promise.reject(unreachable()), () => later)).rejects.toThrow('connection refused');
  });

  it('lets a refusal from the database stand', async () => {
    const known = new LastKnown<string>(50);
    await known.freshOr('k', Promise.resolve('before'), () => later);
    await expect(known.freshOr('k', Promise.reject(new AppError('account_inactive', 'deactivated')), () => later)).rejects.toThrow('deactivated');
  });

  it('does not wait on a silent database longer than its patience', async () => {
    const known = new LastKnown<string>(20);
    await known.freshOr('k', Promise.resolve('before'), () => later);
    const silent = new Promise<string>(() => undefined);
    expect(await known.freshOr('k', silent, () => later)).toBe('before');
  });

  it('forgets answers past their time, and on request', async () => {
    const known = new LastKnown<string>(50);
    known.remember('old', 'x', Date.now() - 1);
    expect(known.recall('old')).toBeUndefined();
    known.remember('k', 'y', later);
    known.forget('k');
    expect(known.recall('k')).toBeUndefined();
  });
});
