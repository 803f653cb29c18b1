import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { touchedBy } from './write-reports.js';

describe('touchedBy', () => {
  const id = new Types.ObjectId();
  const other = new Types.ObjectId();

  it('names the documents a filter limits the write to, however the id is written', () => {
    expect(touchedBy({ _id: id })).toEqual([id.toString()]);
    expect(touchedBy({ _id: id.toString(), consentAcceptedAt: null })).toEqual([id.toString()]);
    expect(touchedBy({ _id: { $eq: id } })).toEqual([id.toString()]);
    expect(touchedBy({ _id: { $in: [id, other.toString()] } })).toEqual([id.toString(), other.toString()]);
  });

  it('says "all" when the filter could match any document', () => {
    expect(touchedBy({})).toBe('all');
    expect(touchedBy({ email: 'someone@example.go.id' })).toBe('all');
    expect(touchedBy({ _id: { $ne: id } })).toBe('all');
    expect(touchedBy({ _id: { $in: [id], $nin: [other] } })).toBe('all');
    expect(touchedBy({ _id: { $in: [{ $gt: id }] } })).toBe('all');
  });
});
