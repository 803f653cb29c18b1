import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { readInviteCsv } from './csv-invites.js';

describe('readInviteCsv', () => {
  it('reads each row into an invite or a reason, with file line numbers', () => {
    const rows = readInviteCsv('\uFEFFEmail,Display Name,Agency_Unit\r\na@x.id,"Ani, S.Psi",dinkes\r\nbad,B,DINKES\r\nA@X.ID,Again,DINKES\r\nc@x.id,,DINKES\r\nd@x.id,D,not a code\r\n');
    expect(rows).toEqual([
      { line: 2, ok: true, invite: { email: 'a@x.id', displayName: 'Ani, S.Psi', agencyUnit: 'DINKES', role: 'asn' } },
      { line: 3, ok: false, email: 'bad', reason: 'invalid_email' },
      { line: 4, ok: false, email: 'a@x.id', reason: 'duplicate_in_file' },
      { line: 5, ok: false, email: 'c@x.id', reason: 'invalid_name' },
      { line: 6, ok: false, email: 'd@x.id', reason: 'invalid_unit' },
    ]);
  });

  it('takes semicolons and Indonesian headers in any order', () => {
    expect(readInviteCsv('unit;nama;email\nBKD;Budi;b@x.id\n')).toEqual([
      { line: 2, ok: true, invite: { email: 'b@x.id', displayName: 'Budi', agencyUnit: 'BKD', role: 'asn' } },
    ]);
  });

  it('refuses a file without the three columns, or with more than 1000 rows, as a whole', () => {
    expect(() => readInviteCsv('email,name\na@x.id,A\n')).toThrow(AppError);
    const many = Array.from({ length: 1001 }, (_, i) => `p${i}@x.id,P,U`).join('\n');
    expect(() => readInviteCsv(`email,name,unit\n${many}`)).toThrow(/1000/);
    expect(readInviteCsv(`email,name,unit\n${many.split('\n').slice(0, 1000).join('\n')}`)).toHaveLength(1000);
  });
});
