import {
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type CiphersuiteImpl,
  type CiphersuiteName,
  type ClientConfig,
  type Credential,
} from './ts-mls.js';
import { MLS_CIPHER_SUITE_NAME, MLS_MAX_PARTICIPANT_ID_BYTES } from '@care/shared';
import { MlsGroupError } from './errors.js';

/**
 * X25519, AES-128-GCM, SHA-256 and Ed25519 all run on WebCrypto in Chromium and
 * Node 24, so ts-mls needs none of its optional JS crypto dependencies, and
 * AES-128 matches the 16-byte SFrame base key taken from the exporter.
 */
export const MLS_CIPHER_SUITE = MLS_CIPHER_SUITE_NAME satisfies CiphersuiteName;

let suitePromise: Promise<CiphersuiteImpl> | undefined;

/** One implementation per page: building it imports the HPKE module and probes WebCrypto. */
export function cipherSuite(): Promise<CiphersuiteImpl> {
  suitePromise ??= getCiphersuiteImpl(getCiphersuiteFromName(MLS_CIPHER_SUITE)).catch((error: unknown) => {
    // A failed probe (no WebCrypto Ed25519, say) should not poison later attempts.
    suitePromise = undefined;
    throw error;
  });
  return suitePromise;
}

const MAX_PARTICIPANT_ID_BYTES = MLS_MAX_PARTICIPANT_ID_BYTES;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeParticipantId(participantId: string): Uint8Array {
  const bytes = utf8.encode(participantId);
  if (bytes.length === 0 || bytes.length > MAX_PARTICIPANT_ID_BYTES) {
    throw new MlsGroupError('invalid-identity', `participant id must be 1 to ${MAX_PARTICIPANT_ID_BYTES} bytes of UTF-8`);
  }
  return bytes;
}

/** The participant id in a credential, or undefined if it is not one of ours (not basic, not UTF-8, empty, too long). */
export function participantIdFromCredential(credential: Credential): string | undefined {
  if (credential.credentialType !== 'basic') return undefined;
  const { identity } = credential;
  if (identity.length === 0 || identity.length > MAX_PARTICIPANT_ID_BYTES) return undefined;
  try {
    return strictUtf8.decode(identity);
  } catch {
    return undefined;
  }
}

export function credentialFor(participantId: string): Credential {
  return { credentialType: 'basic', identity: encodeParticipantId(participantId) };
}

/**
 * ts-mls defaults, except that credentials must carry a participant id.
 *
 * That check is only about form: binding a participant id to a signature key
 * is what the safety code comparison is for (every leaf, credential and key is
 * in the tree hash, which the epoch authenticator covers).
 */
export const clientConfig: ClientConfig = {
  keyRetentionConfig: defaultKeyRetentionConfig,
  lifetimeConfig: defaultLifetimeConfig,
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: defaultPaddingConfig,
  authService: {
    validateCredential(credential) {
      return Promise.resolve(participantIdFromCredential(credential) !== undefined);
    },
  },
};
