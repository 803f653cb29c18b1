import type { types } from 'mediasoup';
import { describe, expect, it } from 'vitest';
import { MediaError } from './media-error.js';
import { AUDIO_LEVEL_EXTENSION, checkProducerParameters, offeredCapabilities, routerCodecs } from './room-shape.js';

const opus = (parameters: Record<string, number> = {}): types.RtpCodecParameters => ({ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters });
const audio = (codec: types.RtpCodecParameters, extensions: string[] = []): types.RtpParameters => ({
  codecs: [codec],
  headerExtensions: extensions.map((uri, i) => ({ uri: uri as types.RtpHeaderExtensionUri, id: i + 1 })),
});

describe('room shapes: what a room\'s audio gives away', () => {
  it('a pair asks for Opus at a constant bitrate without DTX; a group keeps DTX, in 40-ms frames', () => {
    const pairOpus = routerCodecs('pair').find((c) => c.mimeType === 'audio/opus');
    expect(pairOpus?.parameters).toEqual({ cbr: 1, usedtx: 0 });
    const groupOpus = routerCodecs('group').find((c) => c.mimeType === 'audio/opus');
    expect(groupOpus?.parameters).toEqual({ usedtx: 1, ptime: 40 });
    expect(routerCodecs('pair').find((c) => c.mimeType === 'video/VP8')).toEqual(routerCodecs('group').find((c) => c.mimeType === 'video/VP8'));
  });

  it('a pair offers no audio-level extension; a group offers it', () => {
    const router: types.RtpCapabilities = {
      codecs: [],
      headerExtensions: [
        { kind: 'audio', uri: AUDIO_LEVEL_EXTENSION, preferredId: 10 },
        { kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1 },
      ],
    };
    expect(offeredCapabilities('pair', router).headerExtensions?.map((e) => e.uri)).toEqual(['urn:ietf:params:rtp-hdrext:sdes:mid']);
    expect(offeredCapabilities('group', router)).toBe(router);
  });

  it('refuses, in a pair only, audio with the level extension, with DTX, or at a variable bitrate', () => {
    const refused = (params: types.RtpParameters) => {
      expect(() => checkProducerParameters('pair', 'audio', params)).toThrow(MediaError);
      expect(() => checkProducerParameters('group', 'audio', params)).not.toThrow();
    };
    refused(audio(opus(), [AUDIO_LEVEL_EXTENSION]));
    refused(audio(opus({ usedtx: 1 })));
    refused(audio(opus({ cbr: 0 })));
    // What an honest client sends: the browser's own parameters, the room's rule in the answer.
    expect(() => checkProducerParameters('pair', 'audio', audio(opus({ minptime: 10, useinbandfec: 1 }), ['urn:ietf:params:rtp-hdrext:sdes:mid']))).not.toThrow();
    expect(() => checkProducerParameters('pair', 'video', audio(opus(), [AUDIO_LEVEL_EXTENSION]))).not.toThrow();
  });
});
