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
