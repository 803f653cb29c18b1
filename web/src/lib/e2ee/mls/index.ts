export { MlsDecryptError, MlsEpochError, MlsGroupError, type MlsErrorCode } from './errors.js';
export { MlsIdentity, type MlsIdentityKeyMaterial } from './identity.js';
export {
  MlsMember,
  type AddMembersResult,
  type DecryptedApplicationMessage,
  type MlsMemberInfo,
  type MlsMemberOptions,
  type MlsMemberStatus,
  type ProcessCommitResult,
  type RemoveMembersResult,
} from './mls-member.js';
export { safetyCodeFromEpochAuthenticator } from './safety-code.js';
export { MLS_CIPHER_SUITE } from './suite.js';
export { inspectCommit, inspectMessage, type CommitContents, type MlsMessageInfo } from './wire.js';
