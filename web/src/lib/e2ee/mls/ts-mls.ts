/**
 * The one place this layer imports ts-mls from.
 *
 * Deep paths, not the package index: ts-mls 1.6.4's index statically imports
 * its noble crypto provider, which imports `@noble/hashes`, a package ts-mls
 * lists only as a dev dependency. Through the index, Node fails to load and a
 * bundler fails to resolve it. The paths below are public through the
 * package's `"./*.js"` exports and never reach that provider; we use the
 * WebCrypto one.
 *
 * `makeKeyPackageRef` and `decryptSenderData` are not in the index at all;
 * mls-member.ts says why it needs each.
 */
export { createGroup, joinGroup, type ClientState } from 'ts-mls/clientState.js';
export { createCommit } from 'ts-mls/createCommit.js';
export { createApplicationMessage } from 'ts-mls/createMessage.js';
export { defaultCapabilities } from 'ts-mls/defaultCapabilities.js';
export { generateKeyPackageWithKey, makeKeyPackageRef, type KeyPackage, type PrivateKeyPackage } from 'ts-mls/keyPackage.js';
export { mlsExporter } from 'ts-mls/keySchedule.js';
export { decodeMlsMessage, encodeMlsMessage, type MLSMessage } from 'ts-mls/message.js';
export { decryptSenderData } from 'ts-mls/privateMessage.js';
export { processPrivateMessage, processPublicMessage } from 'ts-mls/processMessages.js';
export { emptyPskIndex } from 'ts-mls/pskIndex.js';
export { zeroOutUint8Array } from 'ts-mls/util/byteArray.js';
export { getCiphersuiteFromName, type CiphersuiteImpl, type CiphersuiteName } from 'ts-mls/crypto/ciphersuite.js';
export { getCiphersuiteImpl } from 'ts-mls/crypto/getCiphersuiteImpl.js';
export { defaultKeyPackageEqualityConfig } from 'ts-mls/keyPackageEqualityConfig.js';
export { defaultKeyRetentionConfig } from 'ts-mls/keyRetentionConfig.js';
export { defaultLifetimeConfig } from 'ts-mls/lifetimeConfig.js';
export { defaultPaddingConfig } from 'ts-mls/paddingConfig.js';
export type { ClientConfig } from 'ts-mls/clientConfig.js';
export type { Credential } from 'ts-mls/credential.js';
export type { IncomingMessageCallback } from 'ts-mls/incomingMessageAction.js';
export type { Lifetime } from 'ts-mls/lifetime.js';
export type { Proposal } from 'ts-mls/proposal.js';
export type { RatchetTree } from 'ts-mls/ratchetTree.js';
