import { BrowserStore } from './browser-store.js';
import { MlsIdentity } from './mls/index.js';

/*
 * This device's signing key, kept in IndexedDB so the same browser signs with
 * the same key in every session: what a participant verifies once stays
 * meaningful next time. The credential's participant id is the peer id of
 * each room visit, so the key is stored alone. ts-mls signs with raw key
 * bytes, so the key cannot be a non-extractable WebCrypto key; it never
 * leaves this origin's storage and the page.
 */

const store = new BrowserStore('care-asn-e2ee', 'device');
const RECORD = 'signature-key';

interface StoredKey {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

function isStoredKey(value: unknown): value is StoredKey {
  const v = value as Partial<StoredKey> | undefined;
  return v?.publicKey instanceof Uint8Array && v.privateKey instanceof Uint8Array;
}

/** The MLS identity for one room visit, signed with this device's key (made on first use). */
export async function deviceIdentity(participantId: string): Promise<MlsIdentity> {
  try {
    const stored = await store.get(RECORD);
    if (isStoredKey(stored)) {
      return await MlsIdentity.fromKeyMaterial({ participantId, signaturePublicKey: stored.publicKey, signaturePrivateKey: stored.privateKey });
    }
  } catch {
    // No storage (private mode, blocked) or a damaged record: a fresh key below.
  }
  const identity = await MlsIdentity.generate(participantId);
  const material = identity.exportKeyMaterial();
  const record: StoredKey = { publicKey: material.signaturePublicKey, privateKey: material.signaturePrivateKey };
  await store.put(RECORD, record).catch(() => undefined);
  return identity;
}
