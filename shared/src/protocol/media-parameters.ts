import { z } from 'zod';

/*
 * Structural schemas for the WebRTC parameters mediasoup-client hands the
 * server. They check shape and bounds at the edge; mediasoup itself then checks
 * the semantics (codecs it supports, payload types, fingerprints).
 */

const Fingerprint = z.looseObject({
  algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
  value: z.string().regex(/^([0-9A-Fa-f]{2}:)+[0-9A-Fa-f]{2}$/, 'must be a colon-separated hex fingerprint'),
});

export const DtlsParameters = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(Fingerprint).min(1).max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

// Typed as unknown values to match both WebRTC libraries' types; checked to be plain strings or numbers.
const CodecParameters = z
  .record(z.string().max(64), z.unknown())
  .refine((params) => Object.values(params).every((v) => typeof v === 'string' || typeof v === 'number'), {
    message: 'codec parameter values must be strings or numbers',
  });
const RtcpFeedback = z.looseObject({ type: z.string(), parameter: z.string().optional() });

const RtpCodecParameters = z.looseObject({
  mimeType: z.string().regex(/^(audio|video)\/[\w.-]+$/i, 'must be like audio/opus or video/VP8'),
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().optional(),
  parameters: CodecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
});

const RtpHeaderExtensionParameters = z.looseObject({
  uri: z.string(),
  id: z.number().int().min(1).max(255),
  encrypt: z.boolean().optional(),
  parameters: CodecParameters.optional(),
});

const RtpEncodingParameters = z.looseObject({
  ssrc: z.number().int().nonnegative().optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: z.number().int().optional(),
  rtx: z.looseObject({ ssrc: z.number().int().nonnegative() }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  scaleResolutionDownBy: z.number().positive().optional(),
  maxBitrate: z.number().positive().optional(),
});

export const RtpParameters = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(RtpCodecParameters).min(1).max(32),
  headerExtensions: z.array(RtpHeaderExtensionParameters).max(32).optional(),
  encodings: z.array(RtpEncodingParameters).max(8).optional(),
  rtcp: z.looseObject({ cname: z.string().max(256).optional(), reducedSize: z.boolean().optional() }).optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

const RtpCodecCapability = z.looseObject({
  kind: z.enum(['audio', 'video']),
  mimeType: z.string(),
  preferredPayloadType: z.number().int().optional(),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().optional(),
  parameters: CodecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
});

const RtpHeaderExtension = z.looseObject({
  kind: z.enum(['audio', 'video']),
  uri: z.string(),
  preferredId: z.number().int(),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

export const RtpCapabilities = z.looseObject({
  codecs: z.array(RtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(RtpHeaderExtension).max(64).optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

export type IceParameters = z.infer<typeof IceParameters>;
export const IceParameters = z.looseObject({
  usernameFragment: z.string(),
  password: z.string(),
  iceLite: z.boolean().optional(),
});

export const IceCandidate = z.looseObject({
  foundation: z.string(),
  priority: z.number(),
  address: z.string(),
  protocol: z.enum(['udp', 'tcp']),
  port: z.number().int(),
  type: z.string(),
  tcpType: z.string().optional(),
});

export const MediaKind = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKind>;
