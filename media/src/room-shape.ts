import type { types } from 'mediasoup';
import { mediaCodecs } from './codecs.js';
import { MediaError } from './media-error.js';

/**
 * What a room's audio may give away to whoever sees its packets (the SFU, or
 * anyone on the path: SRTP encrypts payloads, not header extensions or sizes).
 *
 * - 'pair' (a 1:1 session): nobody needs the speaker picked, so nothing
 *   follows speech. Opus at a constant bitrate (`cbr=1`) without DTX
 *   (`usedtx=0`): one packet of one size every 20 ms, talking or silent; and
 *   no audio-level header extension, whose clear level byte would trace the
 *   conversation.
 * - 'group' (a circle): the SFU's active-speaker observer reads the
 *   audio-level extension to pick who is shown; DTX keeps twenty silent
 *   microphones cheap. So the SFU, and the path, see who speaks when.
 *   Frames of 40 ms (`ptime`): every page seals its voice and opens each
 *   other's, frame by frame, so a circle of nine handles half as many
 *   frames and packets as at 20 ms (a phone's battery, and the SFU), for
 *   20 ms more delay, which a conversation in turns does not notice.
 *
 * The Opus parameters reach the browser's encoder through the SDP answer,
 * which mediasoup-client builds from the router's codec parameters.
 */
export type RoomShape = 'pair' | 'group';

export const AUDIO_LEVEL_EXTENSION = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

const OPUS_PARAMETERS: Record<RoomShape, Record<string, number>> = {
  pair: { cbr: 1, usedtx: 0 },
  group: { usedtx: 1, ptime: 40 },
};

/** The router's codecs for a room of this shape. */
export function routerCodecs(shape: RoomShape): types.RouterRtpCodecCapability[] {
  return mediaCodecs.map((codec) =>
    codec.mimeType.toLowerCase() === 'audio/opus' ? { ...codec, parameters: { ...codec.parameters, ...OPUS_PARAMETERS[shape] } } : codec,
  );
}

/** What the room offers its clients: in a pair, never the audio-level extension, so no browser negotiates it. */
export function offeredCapabilities(shape: RoomShape, router: types.RtpCapabilities): types.RtpCapabilities {
  if (shape === 'group') return router;
  return { ...router, headerExtensions: (router.headerExtensions ?? []).filter((ext) => ext.uri !== AUDIO_LEVEL_EXTENSION) };
}

/**
 * Refuses what a pair's audio must not carry, whatever the client: the
 * audio-level extension, or DTX asked for in its own codec parameters (as a
 * client built before this rule did).
 */
export function checkProducerParameters(shape: RoomShape, kind: types.MediaKind, rtpParameters: types.RtpParameters): void {
  if (shape === 'group' || kind !== 'audio') return;
  if ((rtpParameters.headerExtensions ?? []).some((ext) => ext.uri === AUDIO_LEVEL_EXTENSION)) {
    throw new MediaError('invalid_state', 'audio levels are not sent in a 1:1 session');
  }
  for (const codec of rtpParameters.codecs) {
    if (codec.mimeType.toLowerCase() !== 'audio/opus') continue;
    if (Number(codec.parameters?.usedtx ?? 0) !== 0 || Number(codec.parameters?.cbr ?? 1) !== 1) {
      throw new MediaError('invalid_state', 'audio in a 1:1 session is sent at a constant bitrate without DTX');
    }
  }
}
