import { PlanExportFile, PlanRecord } from '@care/shared';
import { openWithPassphrase, sealWithPassphrase } from '../sealed/passphrase-seal.js';
import { SealError } from '../sealed/seal-error.js';
import { sealedFromText, sealedToText } from '../sealed/sealed-text.js';

/** Names what the sealed bytes are, so a sealed piece made for something else does not open as a plan. */
const ASSOCIATED_DATA = 'care-asn-plan-export:v1';

/**
 * Moving a plan to a new device: a file holding the plan sealed with a
 * passphrase (argon2id, AES-GCM). The file goes wherever the person carries
 * it; the server never sees it. A wrong passphrase is SealError `cannot_open`.
 */
export async function planToFile(record: PlanRecord, passphrase: string): Promise<string> {
  const sealed = await sealWithPassphrase(new TextEncoder().encode(JSON.stringify(record)), passphrase, ASSOCIATED_DATA);
  const file: PlanExportFile = { format: 'care-asn-plan', version: 1, sealed: sealedToText(sealed) };
  return JSON.stringify(file);
}

export async function planFromFile(text: string, passphrase: string): Promise<PlanRecord> {
  let file: PlanExportFile;
  try {
    file = PlanExportFile.parse(JSON.parse(text));
  } catch {
    throw new SealError('malformed', 'not a CARE ASN plan file');
  }
  const plaintext = await openWithPassphrase(sealedFromText(file.sealed), passphrase, ASSOCIATED_DATA);
  try {
    return PlanRecord.parse(JSON.parse(new TextDecoder().decode(plaintext)));
  } catch {
    throw new SealError('malformed', 'the plan in the file does not have the expected shape');
  }
}
