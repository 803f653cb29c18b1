import { z } from 'zod';

/*
 * The MLS delivery service protocol. The server orders commits and forwards
 * KeyPackages, Welcomes and application messages; it never holds a private key
 * or an epoch secret. It reads the public framing of what it orders (a
 * commit's group, epoch, sender leaf and by-value proposals; a KeyPackage's
 * credential) so that one member cannot break the group for the others.
 * Socket.IO carries the bytes as binary attachments.
 */

/** The one cipher suite of every room's group (X25519, AES-128-GCM, SHA-256, Ed25519: all WebCrypto). */
export const MLS_CIPHER_SUITE_NAME = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

/**
 * Who commits: the member with the lowest leaf among those present. If it has
 * not made a due add or remove within FALLBACK_COMMIT_MS, the next member may,
 * each further member FALLBACK_STEP_MS later again. Clients arm their timers
 * by these numbers and the server refuses an earlier commit (`not_committer`).
 */
export const MLS_FALLBACK_COMMIT_MS = 5000;
export const MLS_FALLBACK_STEP_MS = 2000;

// Participant ids are opaque peer ids from our server, short ASCII in practice;
// the bound keeps a hostile KeyPackage from inflating every member's tree.
export const MLS_MAX_PARTICIPANT_ID_BYTES = 256;

// Node's Buffer and the browser's Uint8Array alike; typed loosely on purpose (ArrayBufferLike).
/**
 * Binary as Socket.IO hands it over: a Buffer on the server (a Uint8Array),
 * an ArrayBuffer in the browser. Either way the handler gets a Uint8Array.
 */
const binary = (what: string) =>
  z
    .custom<Uint8Array | ArrayBuffer>((value) => value instanceof Uint8Array || value instanceof ArrayBuffer, `${what} must be binary`)
    .transform((value) => (value instanceof Uint8Array ? value : new Uint8Array(value)));

const bytes = (max: number, what: string) =>
  binary(what)
    .refine((b) => b.byteLength > 0, `${what} must not be empty`)
    .refine((b) => b.byteLength <= max, `${what} must be at most ${max} bytes`);

export const MLS_MAX_KEY_PACKAGE = 4 * 1024;
export const MLS_MAX_HANDSHAKE = 128 * 1024;
/** Chat lines (2000 characters) and their MLS framing fit well inside this. */
export const MLS_MAX_APPLICATION = 16 * 1024;

export const MlsEpoch = z.number().int().nonnegative();

/**
 * A joiner's KeyPackage. Published from the lobby, it is held by the server
 * (forwarded to nobody) until the host admits the publisher.
 */
export const PublishKeyPackage = z.strictObject({
  keyPackage: bytes(MLS_MAX_KEY_PACKAGE, 'keyPackage'),
  /** This member lost its group state (a commit it could not process) and asks to be added anew. */
  rejoin: z.boolean().optional(),
});
export type PublishKeyPackage = z.infer<typeof PublishKeyPackage>;

/**
 * What a KeyPackage's publication tells its publisher: usually to wait for a
 * Welcome; `create` when no one present still holds the group (everyone else
 * left, or lost it), so this peer starts it afresh at epoch 0.
 */
export const KeyPackagePublished = z.object({ create: z.boolean() });
export type KeyPackagePublished = z.infer<typeof KeyPackagePublished>;

/**
 * A member's commit (a PublicMessage; its framing names the epoch), and the
 * Welcome when it adds someone. The first valid commit for an epoch wins. The
 * server sends the Welcome only to the peers whose KeyPackages the commit adds.
 */
export const SubmitCommit = z.strictObject({
  commit: bytes(MLS_MAX_HANDSHAKE, 'commit'),
  welcome: bytes(MLS_MAX_HANDSHAKE, 'welcome').optional(),
});
export type SubmitCommit = z.infer<typeof SubmitCommit>;

/** `accepted: false`: another commit won this epoch (it is on its way); `epoch` is the current one. */
export const CommitResult = z.object({ accepted: z.boolean(), epoch: MlsEpoch });
export type CommitResult = z.infer<typeof CommitResult>;

export const SendApplicationMessage = z.strictObject({
  epoch: MlsEpoch,
  message: bytes(MLS_MAX_APPLICATION, 'message'),
  /** Only for this peer of the room (lines sent again to a page that came back), not everyone. */
  to: z.string().min(1).max(64).optional(),
});
export type SendApplicationMessage = z.infer<typeof SendApplicationMessage>;

export const ApplicationMessageSent = z.object({ sentAt: z.string() });

// Server to client.
/** `rejoin`: the peer is a member that lost its group state; its old leaf goes as the new one comes. */
export const KeyPackageArrived = z.object({ peerId: z.string(), keyPackage: binary('keyPackage'), rejoin: z.boolean() });
export type KeyPackageArrived = z.infer<typeof KeyPackageArrived>;

/**
 * KeyPackages to add, in one message: one publication, or everyone the host
 * admitted at once (their KeyPackages, held while they waited), so the
 * committer adds them all in one commit with one Welcome.
 */
export const KeyPackagesArrived = z.object({ keyPackages: z.array(KeyPackageArrived) });
export type KeyPackagesArrived = z.infer<typeof KeyPackagesArrived>;

export const CommitArrived = z.object({ fromPeerId: z.string(), epoch: MlsEpoch, commit: binary('commit') });
export type CommitArrived = z.infer<typeof CommitArrived>;

export const WelcomeArrived = z.object({ epoch: MlsEpoch, welcome: binary('welcome') });
export type WelcomeArrived = z.infer<typeof WelcomeArrived>;

/**
 * The group was started afresh without this member: everyone else lost it
 * after this member's commit. Drop the old group state and ask to be added.
 */
export const GroupRestarted = z.object({});
export type GroupRestarted = z.infer<typeof GroupRestarted>;

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
