import { AgencyUnit, CreateInviteBody, DisplayName, Email, MAX_CSV_ROWS, type CsvSkipReason } from '@care/shared';
import { parse } from 'csv-parse/sync';
import { AppError } from '../errors.js';

export type CsvCandidate =
  | { line: number; ok: true; invite: { email: string; displayName: string; agencyUnit: string; role: 'asn' } }
  | { line: number; ok: false; email: string | null; reason: CsvSkipReason };

const columns = ['email', 'displayName', 'agencyUnit'] as const;
const headerAliases: Record<string, (typeof columns)[number]> = {
  email: 'email',
  'e-mail': 'email',
  displayname: 'displayName',
  name: 'displayName',
  nama: 'displayName',
  agencyunit: 'agencyUnit',
  unit: 'agencyUnit',
  unitkerja: 'agencyUnit',
};

/**
 * Reads an invite CSV (header row with email, displayName/nama, agencyUnit/unit;
 * comma or semicolon) into one candidate per data row, each valid or with the
 * reason it is skipped: a bad address, a duplicate within the file. Whole-file
 * problems (no header, too many rows, not CSV) are one 400.
 */
export function readInviteCsv(csv: string): CsvCandidate[] {
  let records: string[][];
  try {
    const delimiter = (csv.split('\n')[0] ?? '').includes(';') ? ';' : ',';
    records = parse(csv, { delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, to: MAX_CSV_ROWS + 2 }) as string[][];
  } catch {
    throw new AppError('invalid_payload', 'The file is not a readable CSV file.');
  }
  const [header, ...rows] = records;
  const positions = (header ?? []).map((name) => headerAliases[name.toLowerCase().replace(/[\s_]/g, '')]);
  for (const column of columns) {
    if (!positions.includes(column)) {
      throw new AppError('invalid_payload', `The first row must name the columns email, displayName and agencyUnit (missing: ${column}).`);
    }
  }
  if (rows.length > MAX_CSV_ROWS) throw new AppError('invalid_payload', `At most ${MAX_CSV_ROWS} rows per file.`);

  const seen = new Set<string>();
  return rows.map((row, index): CsvCandidate => {
    const line = index + 2;
    const field = (column: (typeof columns)[number]) => row[positions.indexOf(column)] ?? '';
    const email = Email.safeParse(field('email'));
    if (!email.success) return { line, ok: false, email: field('email') || null, reason: 'invalid_email' };
    if (seen.has(email.data)) return { line, ok: false, email: email.data, reason: 'duplicate_in_file' };
    seen.add(email.data);
    if (!DisplayName.safeParse(field('displayName')).success) return { line, ok: false, email: email.data, reason: 'invalid_name' };
    if (!AgencyUnit.safeParse(field('agencyUnit')).success) return { line, ok: false, email: email.data, reason: 'invalid_unit' };
    const parsed = CreateInviteBody.safeParse({ email: email.data, displayName: field('displayName'), agencyUnit: field('agencyUnit'), role: 'asn' });
    if (!parsed.success) return { line, ok: false, email: email.data, reason: 'invalid_row' };
    return { line, ok: true, invite: { ...parsed.data, role: 'asn' } };
  });
}
