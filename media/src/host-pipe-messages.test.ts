import { describe, expect, it } from 'vitest';
import { parsePipeMessage, pipeMirrorSchema, pipeOfferSchema } from './host-pipe-messages.js';
import { MediaError } from './media-error.js';

/** An offer as a real pipe consumer describes a VP8 producer (RTX on). */
const offer = {
  pipeId: '0b3c2a56-0d7e-4f69-9b2f-1c8e3c0f6a11',
  producerId: '5f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  kind: 'video',
  rtpParameters: {
    codecs: [
      { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, parameters: {}, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] },
      { mimeType: 'video/rtx', payloadType: 102, clockRate: 90000, parameters: { apt: 101 }, rtcpFeedback: [] },
    ],
    headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1, encrypt: false, parameters: {} }],
    encodings: [{ ssrc: 123456, rtx: { ssrc: 654321 } }],
    rtcp: { cname: 'abc', reducedSize: true },
  },
  paused: false,
  appData: { roomId: 'room-1', peerId: 'peer-1', source: 'camera' },
  endpoint: { ip: '10.77.0.1', port: 41000, srtpParameters: { cryptoSuite: 'AEAD_AES_256_GCM', keyBase64: 'a'.repeat(58) + '==' } },
};

describe('pipe messages', () => {
  it('accepts a real offer', () => {
    expect(parsePipeMessage(pipeOfferSchema, offer, 'offer').producerId).toBe(offer.producerId);
  });

  it('refuses corrupted or hostile offers with a typed error', () => {
    const bad: unknown[] = [
      null,
      'offer',
      { ...offer, pipeId: '../../etc' },
      { ...offer, kind: 'data' },
      { ...offer, kind: 'audio' },
      { ...offer, endpoint: { ...offer.endpoint, ip: 'evil.example' } },
      { ...offer, endpoint: { ...offer.endpoint, port: 70000 } },
      { ...offer, endpoint: { ...offer.endpoint, srtpParameters: { cryptoSuite: 'NULL', keyBase64: 'AAAA' } } },
      { ...offer, rtpParameters: { codecs: [] } },
      { ...offer, rtpParameters: { ...offer.rtpParameters, codecs: Array.from({ length: 9 }, () => offer.rtpParameters.codecs[0]) } },
      { ...offer, rtpParameters: { ...offer.rtpParameters, encodings: [{ ssrc: -1 }] } },
      { ...offer, rtpParameters: { ...offer.rtpParameters, codecs: [{ ...offer.rtpParameters.codecs[0], parameters: { nested: { deep: 1 } } }] } },
      { ...offer, appData: { displayName: 'someone' , roomId: 'has spaces' } },
    ];
    for (const raw of bad) {
      const error = (() => {
        try {
          parsePipeMessage(pipeOfferSchema, raw, 'pipe offer');
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, JSON.stringify(raw)?.slice(0, 80)).toBeInstanceOf(MediaError);
      expect((error as MediaError).code).toBe('pipe_refused');
    }
  });

  it('drops appData fields other than the opaque ids', () => {
    const parsed = parsePipeMessage(pipeOfferSchema, { ...offer, appData: { roomId: 'r1', displayName: 'Budi' } }, 'offer');
    expect(parsed.appData).toEqual({ roomId: 'r1' });
  });

  it('knows the four mirror events only', () => {
    for (const event of ['pause', 'resume', 'close', 'dead']) expect(parsePipeMessage(pipeMirrorSchema, { pipeId: 'p1', event }, 'mirror').event).toBe(event);
    expect(() => parsePipeMessage(pipeMirrorSchema, { pipeId: 'p1', event: 'explode' }, 'mirror')).toThrow(MediaError);
  });
});
