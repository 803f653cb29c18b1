import { describe, expect, it } from 'vitest';
import { MAX_INCOMING_BITRATE, PRODUCER_SOURCES, producerSourceFor } from './peer-limits.js';

describe('peer limits', () => {
  it('give each kind of track its own source unless the request names one', () => {
    expect(producerSourceFor('audio')).toBe('microphone');
    expect(producerSourceFor('video')).toBe('camera');
    expect(producerSourceFor('video', 'screen')).toBe('screen');
    expect(producerSourceFor('video', 'camera')).toBe('camera');
    expect(PRODUCER_SOURCES).toEqual({ microphone: 'audio', camera: 'video', screen: 'video' });
  });

  it('refuse a source named for the wrong kind (a screen carries video, a microphone audio)', () => {
    expect(() => producerSourceFor('audio', 'screen')).toThrow(/screen sends video/);
    expect(() => producerSourceFor('video', 'microphone')).toThrow(/microphone sends audio/);
  });

  it('let three simulcast layers and Opus in, with room for headers and retransmissions', () => {
    const layers = 150_000 + 450_000 + 1_200_000;
    const opus = 64_000;
    expect(MAX_INCOMING_BITRATE).toBeGreaterThanOrEqual((layers + opus) * 1.2);
    expect(MAX_INCOMING_BITRATE).toBeLessThanOrEqual((layers + opus) * 1.5);
  });
});
