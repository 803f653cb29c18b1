import { z, type ZodType } from 'zod';
import { MediaError } from './media-error.js';

/*
 * What two media hosts tell each other about a pipe, as plain data the
 * control channel carries. Host B (where consumers want a producer) asks
 * host A (where the producer is) to open its end (`PipeRequest`); A answers
 * with its end (`PipeOffer`); B opens its own end, joins it to A's and tells
 * A where it is (`PipeAnswer`); then A mirrors the producer's pause, resume
 * and close (`PipeMirror`), and B closes the pipe when its last consumer
 * goes (`PipeClose`). Every one of them is parsed here before it is used:
 * the other side may be corrupted or hostile, and nothing it says may crash
 * a worker or point a pipe outside the private range (host-pipe-settings.ts).
 */

/** mediasoup ids (UUIDs) and our own pipe ids: short, plain. */
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not an id');
const shortText = z.string().max(256);
const paramValue = z.union([z.string().max(256), z.number().finite(), z.boolean()]);
/** Codec and header-extension parameters: a few named values, no nesting. */
const params = z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), paramValue).refine((record) => Object.keys(record).length <= 32, 'too many parameters');
const uint32 = z.number().int().min(0).max(0xffff_ffff);
const payloadType = z.number().int().min(0).max(127);

const rtpCodec = z.object({
  mimeType: z.string().regex(/^(audio|video)\/[A-Za-z0-9._-]{1,32}$/i, 'not a codec mime type'),
  payloadType,
  clockRate: z.number().int().min(1).max(1_000_000),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: params.optional(),
  rtcpFeedback: z.array(z.object({ type: z.string().max(32), parameter: z.string().max(32).optional() })).max(16).optional(),
});

const rtpEncoding = z.object({
  ssrc: uint32.optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: payloadType.optional(),
  rtx: z.object({ ssrc: uint32 }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  maxBitrate: z.number().int().min(0).max(1_000_000_000).optional(),
});

export const rtpParametersSchema = z.object({
  mid: z.string().max(32).optional(),
  codecs: z.array(rtpCodec).min(1).max(8),
  headerExtensions: z.array(z.object({ uri: shortText, id: z.number().int().min(1).max(255), encrypt: z.boolean().optional(), parameters: params.optional() })).max(16).optional(),
  encodings: z.array(rtpEncoding).min(1).max(8).optional(),
  rtcp: z.object({ cname: shortText.optional(), reducedSize: z.boolean().optional() }).optional(),
  msid: shortText.optional(),
});

export const srtpParametersSchema = z.object({
  cryptoSuite: z.enum(['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']),
  keyBase64: z.string().regex(/^[A-Za-z0-9+/]{16,88}={0,2}$/, 'not a base64 key'),
});

/** One pipe end: where it listens and the SRTP key it sends with. */
export const pipeEndpointSchema = z.object({
  ip: z.union([z.ipv4(), z.ipv6()]),
  port: z.number().int().min(1).max(65_535),
  srtpParameters: srtpParametersSchema,
});

/** B → A: open your end of a pipe for this producer. */
export const pipeRequestSchema = z.object({ pipeId: id, producerId: id });

/** A → B: my end, and the producer as the pipe carries it. */
export const pipeOfferSchema = z.object({
  pipeId: id,
  producerId: id,
  kind: z.enum(['audio', 'video']),
  rtpParameters: rtpParametersSchema,
  paused: z.boolean(),
  /** Opaque ids only (never a name): which room, participant and source the producer is. */
  appData: z.object({ roomId: id.optional(), peerId: id.optional(), source: z.string().regex(/^[a-z-]{1,16}$/).optional() }),
  endpoint: pipeEndpointSchema,
}).refine((offer) => offer.rtpParameters.codecs.every((codec) => codec.mimeType.toLowerCase().startsWith(`${offer.kind}/`)), 'codecs of another kind than the producer');

/** B → A: my end; join yours to it. */
export const pipeAnswerSchema = z.object({ pipeId: id, endpoint: pipeEndpointSchema });

/**
 * A → B: the producer paused, resumed or closed; or A's end found the link
 * dead (from its stats) and closed.
 */
export const pipeMirrorSchema = z.object({ pipeId: id, event: z.enum(['pause', 'resume', 'close', 'dead']) });

/** B → A: the pipe is no longer needed (or B's end found the link dead); close your end. */
export const pipeCloseSchema = z.object({ pipeId: id });

export type PipeEndpoint = z.infer<typeof pipeEndpointSchema>;
export type PipeRequest = z.infer<typeof pipeRequestSchema>;
export type PipeOffer = z.infer<typeof pipeOfferSchema>;
export type PipeAnswer = z.infer<typeof pipeAnswerSchema>;
export type PipeMirror = z.infer<typeof pipeMirrorSchema>;
export type PipeClose = z.infer<typeof pipeCloseSchema>;

/** A pipe found dead from its stats and closed, for whoever re-pipes it. */
export interface DeadPipe {
  pipeId: string;
  producerId: string;
  /** The far media host (the id the control channel knows it by). */
  farHost: string;
}

/** Parses a far host's message or refuses it with a typed error (never a crash). */
export function parsePipeMessage<T>(schema: ZodType<T>, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new MediaError('pipe_refused', `${what} refused: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
