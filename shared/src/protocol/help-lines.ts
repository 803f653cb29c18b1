import { z } from 'zod';

/** A crisis line people can call, as configured for the deployment's region. */
export const HelpLine = z.strictObject({
  name: z.strictObject({ id: z.string().min(1).max(80), en: z.string().min(1).max(80) }),
  /** As dialled, e.g. "119 ext 8" or "112". */
  number: z.string().regex(/^[0-9+][0-9 +-]*( ext [0-9]+)?$/, 'must be a phone number, optionally with " ext N"').max(30),
});
export type HelpLine = z.infer<typeof HelpLine>;

export const HelpLines = z.array(HelpLine).min(1, 'must list at least one line').max(8);

export const DEFAULT_HELP_LINES: HelpLine[] = [
  { name: { id: 'Layanan kesehatan jiwa', en: 'Mental health line' }, number: '119 ext 8' },
  { name: { id: 'Darurat', en: 'Emergency' }, number: '112' },
];

/** The `tel:` address of a line: what a phone dials (the extension is chosen after the call connects). */
export function dialUri(line: HelpLine): string {
  return `tel:${line.number.replace(/ ext .*/, '').replace(/[ -]/g, '')}`;
}
