import { MLS_CIPHER_SUITE_NAME, MLS_MAX_PARTICIPANT_ID_BYTES } from '@care/shared';
// Deep paths, as in the web app: ts-mls 1.6.4's index imports a crypto provider
// that needs a package ts-mls lists only as a dev dependency. WebCrypto serves here.
import { getCiphersuiteFromName, type CiphersuiteImpl, type CiphersuiteName } from 'ts-mls/crypto/ciphersuite.js';
import { getCiphersuiteImpl } from 'ts-mls/crypto/getCiphersuiteImpl.js';
import { makeKeyPackageRef, verifyKeyPackage, type KeyPackage } from 'ts-mls/keyPackage.js';
import { decodeMlsMessage, type MLSMessage } from 'ts-mls/message.js';
import { AppError } from '../../errors.js';

/*
 * What the delivery service reads of MLS messages: public framing only. It
 * holds no group secret, so it cannot check a commit's signature (that signs
 * the group context: tree and transcript hashes only members know), its
 * membership tag or its path; the members do. What it can check — the group,
 * the epoch, who sends, which proposals, whose KeyPackages — it checks here.
 */

/** A KeyPackage as the server knows it: whose it is, and its reference (RFC 9420 §5.2), hex. */
export interface KeyPackageFacts {
  readonly participantId: string;
  readonly ref: string;
}

export interface CommitFacts {
  readonly epoch: number;
  readonly senderLeaf: number;
  /** Leaf indices removed, in order. */
  readonly removes: readonly number[];
  /** The KeyPackages added, in order (as leaves are filled). */
  readonly adds: readonly KeyPackageFacts[];
}

let suite: Promise<CiphersuiteImpl> | undefined;

function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(MLS_CIPHER_SUITE_NAME as CiphersuiteName));
  return suite;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The participant id in a basic credential's identity (as the web app's suite.ts reads it), or undefined. */
function participantIdFromIdentity(identity: Uint8Array): string | undefined {
  if (identity.length === 0 || identity.length > MLS_MAX_PARTICIPANT_ID_BYTES) return undefined;
  try {
    return strictUtf8.decode(identity);
  } catch {
    return undefined;
  }
}

function refuse(message: string): AppError {
  return new AppError('invalid_payload', message);
}

function decode(bytes: Uint8Array, what: string): MLSMessage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  // Trailing bytes would sit outside every signature: refuse them too.
  if (decoded === undefined || decoded[1] !== bytes.length) throw refuse(`${what} is not an MLS message.`);
  return decoded[0];
}

async function keyPackageFacts(keyPackage: KeyPackage): Promise<KeyPackageFacts> {
  if (keyPackage.cipherSuite !== MLS_CIPHER_SUITE_NAME) throw refuse('The KeyPackage uses another cipher suite.');
  const { credential } = keyPackage.leafNode;
  const participantId = credential.credentialType === 'basic' ? participantIdFromIdentity(credential.identity) : undefined;
  if (participantId === undefined) throw refuse('The KeyPackage carries no participant id.');
  const cs = await cipherSuite();
  if (!(await verifyKeyPackage(keyPackage, cs.signature))) throw refuse('The KeyPackage signature does not verify.');
  return { participantId, ref: Buffer.from(await makeKeyPackageRef(keyPackage, cs.hash)).toString('hex') };
}

/** A published KeyPackage: ours in form, signed by its own leaf key, naming a participant. */
export async function readKeyPackage(bytes: Uint8Array): Promise<KeyPackageFacts> {
  const message = decode(bytes, 'The KeyPackage');
  if (message.wireformat !== 'mls_key_package') throw refuse('Not a KeyPackage.');
  return keyPackageFacts(message.keyPackage);
}

/**
 * A commit for the room's group: a PublicMessage from a member, of content
 * type commit, whose proposals are all by value and only Adds and Removes.
 * Proposals by reference, PSKs, ReInit, external commits and the rest are
 * refused: a room needs none of them, and each would need state the server
 * cannot check.
 */
export async function readCommit(bytes: Uint8Array, groupId: string): Promise<CommitFacts> {
  const message = decode(bytes, 'The commit');
  if (message.wireformat !== 'mls_public_message') throw refuse('A commit must be a PublicMessage.');
  const { publicMessage } = message;
  const { content } = publicMessage;
  if (Buffer.compare(Buffer.from(content.groupId), Buffer.from(groupId, 'utf8')) !== 0) throw refuse('The commit is for another group.');
  if (content.contentType !== 'commit') throw refuse('Not a commit.');
  if (content.sender.senderType !== 'member' || publicMessage.senderType !== 'member') throw refuse('A commit must come from a member.');
  if (content.epoch > BigInt(Number.MAX_SAFE_INTEGER)) throw refuse('The commit names an impossible epoch.');
  const removes: number[] = [];
  const adds: KeyPackageFacts[] = [];
  for (const entry of content.commit.proposals) {
    if (entry.proposalOrRefType !== 'proposal') throw refuse('Proposals by reference are not accepted.');
    const { proposal } = entry;
    if (proposal.proposalType === 'remove' && 'remove' in proposal) removes.push(proposal.remove.removed);
    else if (proposal.proposalType === 'add' && 'add' in proposal) adds.push(await keyPackageFacts(proposal.add.keyPackage));
    else throw refuse('Only Add and Remove proposals are accepted.');
  }
  return { epoch: Number(content.epoch), senderLeaf: content.sender.leafIndex, removes, adds };
}

/** The KeyPackage references a Welcome is encrypted to (hex), one per new member. */
export function readWelcome(bytes: Uint8Array): string[] {
  const message = decode(bytes, 'The Welcome');
  if (message.wireformat !== 'mls_welcome') throw refuse('Not a Welcome.');
  if (message.welcome.cipherSuite !== MLS_CIPHER_SUITE_NAME) throw refuse('The Welcome uses another cipher suite.');
  return message.welcome.secrets.map((secret) => Buffer.from(secret.newMember).toString('hex'));
}
