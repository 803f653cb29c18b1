import { decodeMlsMessage, encodeMlsMessage, type MLSMessage } from './ts-mls.js';
import { MlsGroupError } from './errors.js';
import { participantIdFromCredential } from './suite.js';

/**
 * Everything crosses the wire as an RFC 9420 MLSMessage, encoded by ts-mls, so
 * the server relays opaque bytes and other MLS implementations could read them.
 */

export function encodeMessage(message: MLSMessage): Uint8Array {
  return encodeMlsMessage(message);
}

export function decodeMessage(bytes: Uint8Array): MLSMessage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (error) {
    throw new MlsGroupError('malformed-message', 'not an MLS message', { cause: error });
  }
  // Trailing bytes would be outside every signature and MAC: refuse them.
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new MlsGroupError('malformed-message', 'not an MLS message');
  }
  return decoded[0];
}

/** What the cleartext framing of a message says, without any keys. */
export type MlsMessageInfo =
  | {
      kind: 'commit' | 'proposal' | 'application';
      groupId: Uint8Array;
      epoch: bigint;
      /** Only a PublicMessage shows its sender; a PrivateMessage encrypts it. */
      senderLeafIndex: number | undefined;
    }
  | { kind: 'welcome' | 'group-info' }
  | { kind: 'key-package'; participantId: string | undefined };

/**
 * Routes a received message (commit to `processCommit`, application message to
 * `decryptApplication`) and lets a delivery service order commits by epoch.
 * Nothing here is authenticated: decide nothing about trust from it.
 */
export function inspectMessage(bytes: Uint8Array): MlsMessageInfo {
  const message = decodeMessage(bytes);
  switch (message.wireformat) {
    case 'mls_private_message':
      return {
        kind: message.privateMessage.contentType,
        groupId: message.privateMessage.groupId,
        epoch: message.privateMessage.epoch,
        senderLeafIndex: undefined,
      };
    case 'mls_public_message': {
      const { content } = message.publicMessage;
      return {
        kind: content.contentType,
        groupId: content.groupId,
        epoch: content.epoch,
        senderLeafIndex: content.sender.senderType === 'member' ? content.sender.leafIndex : undefined,
      };
    }
    case 'mls_welcome':
      return { kind: 'welcome' };
    case 'mls_group_info':
      return { kind: 'group-info' };
    case 'mls_key_package':
      return { kind: 'key-package', participantId: participantIdFromCredential(message.keyPackage.leafNode.credential) };
  }
}

/** What a commit proposes, read from its public framing before it is processed. */
export interface CommitContents {
  readonly senderLeafIndex: number;
  /** Leaf indices removed. */
  readonly removes: readonly number[];
  /** Each added KeyPackage: whose it is (undefined if not one of ours), and as the MLSMessage its owner published. */
  readonly adds: ReadonlyArray<{ readonly participantId: string | undefined; readonly keyPackage: Uint8Array }>;
}

/**
 * The proposals of a PublicMessage commit from a member, all by value; anything
 * else (a proposal by reference, a PrivateMessage commit, an external sender)
 * is not a commit this layer makes, and reads as undefined. Not authenticated:
 * decide only what to refuse from it; processing checks the rest.
 */
export function inspectCommit(bytes: Uint8Array): CommitContents | undefined {
  const message = decodeMessage(bytes);
  if (message.wireformat !== 'mls_public_message') return undefined;
  const { content } = message.publicMessage;
  if (content.contentType !== 'commit' || content.sender.senderType !== 'member') return undefined;
  const removes: number[] = [];
  const adds: Array<{ participantId: string | undefined; keyPackage: Uint8Array }> = [];
  for (const entry of content.commit.proposals) {
    if (entry.proposalOrRefType !== 'proposal') return undefined;
    const { proposal } = entry;
    if (proposal.proposalType === 'remove' && 'remove' in proposal) removes.push(proposal.remove.removed);
    else if (proposal.proposalType === 'add' && 'add' in proposal) {
      const { keyPackage } = proposal.add;
      adds.push({
        participantId: participantIdFromCredential(keyPackage.leafNode.credential),
        keyPackage: encodeMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage }),
      });
    } else return undefined;
  }
  return { senderLeafIndex: content.sender.leafIndex, removes, adds };
}
