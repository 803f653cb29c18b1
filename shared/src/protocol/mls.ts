import { z } from 'zod';

/*
 * The MLS delivery service protocol. The server orders commits and forwards
 * KeyPackages, Welcomes and application messages as opaque bytes; it never
 * holds a private key or an epoch secret. Socket.IO carries the bytes as
 * binary attachments.
 */

// Node's Buffer and the browser's Uint8Array alike; typed loosely on purpose (ArrayBufferLike).
const binary = (what: string) => z.custom<Uint8Array>((value) => value instanceof Uint8Array, `${what} must be binary`);

const bytes = (max: number, what: string) =>
  binary(what)
    .refine((b) => b.byteLength > 0, `${what} must not be empty`)
    .refine((b) => b.byteLength <= max, `${what} must be at most ${max} bytes`);

export const MLS_MAX_KEY_PACKAGE = 4 * 1024;
export const MLS_MAX_HANDSHAKE = 128 * 1024;
/** Chat lines (2000 characters) and their MLS framing fit well inside this. */
export const MLS_MAX_APPLICATION = 16 * 1024;

export const MlsEpoch = z.number().int().nonnegative();

export const PublishKeyPackage = z.strictObject({ keyPackage: bytes(MLS_MAX_KEY_PACKAGE, 'keyPackage') });
export type PublishKeyPackage = z.infer<typeof PublishKeyPackage>;

/** A member's commit for `epoch`: the first one the server receives for an epoch wins. */
export const SubmitCommit = z.strictObject({
  epoch: MlsEpoch,
  commit: bytes(MLS_MAX_HANDSHAKE, 'commit'),
  /** The Welcome for the peers this commit adds, if it adds any. */
  welcome: bytes(MLS_MAX_HANDSHAKE, 'welcome').optional(),
  welcomePeerIds: z.array(z.string().uuid()).max(20).optional(),
});
export type SubmitCommit = z.infer<typeof SubmitCommit>;

export const CommitResult = z.object({ accepted: z.boolean(), epoch: MlsEpoch });
export type CommitResult = z.infer<typeof CommitResult>;

export const SendApplicationMessage = z.strictObject({
  epoch: MlsEpoch,
  message: bytes(MLS_MAX_APPLICATION, 'message'),
});
export type SendApplicationMessage = z.infer<typeof SendApplicationMessage>;

export const ApplicationMessageSent = z.object({ sentAt: z.string() });

// Server to client.
export const KeyPackageArrived = z.object({ peerId: z.string(), keyPackage: binary('keyPackage') });
export type KeyPackageArrived = z.infer<typeof KeyPackageArrived>;

export const CommitArrived = z.object({ fromPeerId: z.string(), epoch: MlsEpoch, commit: binary('commit') });
export type CommitArrived = z.infer<typeof CommitArrived>;

export const WelcomeArrived = z.object({ epoch: MlsEpoch, welcome: binary('welcome') });
export type WelcomeArrived = z.infer<typeof WelcomeArrived>;

export const ApplicationMessageArrived = z.object({
  fromPeerId: z.string(),
  epoch: MlsEpoch,
  message: binary('message'),
  sentAt: z.string(),
});
export type ApplicationMessageArrived = z.infer<typeof ApplicationMessageArrived>;

/** What a peer learns about the room's group when it joins. */
export const MlsJoinInfo = z.object({
  /** 'create': you are first, create the group at epoch 0. 'join': publish a KeyPackage and wait for a Welcome. */
  role: z.enum(['create', 'join']),
  epoch: MlsEpoch.nullable(),
});
export type MlsJoinInfo = z.infer<typeof MlsJoinInfo>;
