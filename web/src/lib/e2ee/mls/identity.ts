import type { Credential } from './ts-mls.js';
import { MlsGroupError } from './errors.js';
import { cipherSuite, credentialFor, encodeParticipantId } from './suite.js';

/**
 * Everything needed to rebuild an identity, as plain bytes so it can be
 * structured-cloned into IndexedDB (or anywhere else) as it is.
 *
 * ts-mls signs with key bytes, not with a CryptoKey, so the private key has to
 * exist as bytes in the page; a non-extractable CryptoKey cannot be used here.
 */
export interface MlsIdentityKeyMaterial {
  /** Opaque id the server knows the participant by (a user id, never a name). */
  readonly participantId: string;
  /** Raw Ed25519 public key, 32 bytes. */
  readonly signaturePublicKey: Uint8Array;
  /** Ed25519 private key: PKCS#8 as WebCrypto exports it, or the raw 32-byte seed. */
  readonly signaturePrivateKey: Uint8Array;
}

interface SigningKeys {
  readonly signKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

// Kept off the instance so that logging or serialising an identity cannot
// print the private key.
const signingKeys = new WeakMap<MlsIdentity, SigningKeys>();

const ED25519_PUBLIC_KEY_BYTES = 32;

/**
 * A participant's MLS identity: a basic credential carrying the participant id
 * and the Ed25519 key pair that signs its KeyPackages and handshake messages.
 * One identity can serve many groups (rooms); each group gets its own member.
 */
export class MlsIdentity {
  private constructor(
    readonly participantId: string,
    keys: SigningKeys,
  ) {
    signingKeys.set(this, keys);
  }

  static async generate(participantId: string): Promise<MlsIdentity> {
    encodeParticipantId(participantId);
    const suite = await cipherSuite();
    const { signKey, publicKey } = await suite.signature.keygen();
    return new MlsIdentity(participantId, { signKey, publicKey });
  }

  /** Rebuilds an identity from stored material, checking that the two keys belong together. */
  static async fromKeyMaterial(material: MlsIdentityKeyMaterial): Promise<MlsIdentity> {
    encodeParticipantId(material.participantId);
    if (material.signaturePublicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
      throw new MlsGroupError('invalid-identity', 'signature public key must be a raw Ed25519 key');
    }
    const keys: SigningKeys = {
      signKey: material.signaturePrivateKey.slice(),
      publicKey: material.signaturePublicKey.slice(),
    };
    // A key pair that does not match would only surface later as KeyPackages
    // and commits everyone else rejects; better to fail where the storage is read.
    const suite = await cipherSuite();
    const probe = crypto.getRandomValues(new Uint8Array(32));
    let matches: boolean;
    try {
      const signature = await suite.signature.sign(keys.signKey, probe);
      matches = await suite.signature.verify(keys.publicKey, probe, signature);
    } catch (error) {
      throw new MlsGroupError('invalid-identity', 'signature private key is not a usable Ed25519 key', { cause: error });
    }
    if (!matches) throw new MlsGroupError('invalid-identity', 'signature keys do not form a pair');
    return new MlsIdentity(material.participantId, keys);
  }

  /** Copies of the key material, for storage. Handle as a secret. */
  exportKeyMaterial(): MlsIdentityKeyMaterial {
    const keys = keysOf(this);
    return {
      participantId: this.participantId,
      signaturePublicKey: keys.publicKey.slice(),
      signaturePrivateKey: keys.signKey.slice(),
    };
  }

  get signaturePublicKey(): Uint8Array {
    return keysOf(this).publicKey.slice();
  }
}

/** For this module's group code only; not re-exported from the package index. */
export function keysOf(identity: MlsIdentity): SigningKeys {
  const keys = signingKeys.get(identity);
  if (keys === undefined) throw new MlsGroupError('invalid-identity', 'not an identity built by MlsIdentity');
  return keys;
}

export function credentialOf(identity: MlsIdentity): Credential {
  return credentialFor(identity.participantId);
}
