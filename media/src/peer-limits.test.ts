import { describe, expect, it } from 'vitest';
import { MAX_INCOMING_BITRATE, PRODUCER_SOURCES, producerSourceFor } from './peer-limits.js';

describe('peer limits', () => {
  it('give each kind of track its one source', () => {
    expect(producerSourceFor('audio')).toBe('microphone');
    expect(producerSourceFor('video')).toBe('camera');
    expect(Object.values(PRODUCER_SOURCES).sort()).toEqual(['audio', 'video']);
  });

  it('let three simulcast layers and Opus in, with room for headers and retransmissions', () => {
    const layers = 150_000 + 450_000 + 1_200_000;
    const opus = 64_000;
    expect(MAX_INCOMING_BITRATE).toBeGreaterThanOrEqual((layers + opus) * 1.2);
    expect(MAX_INCOMING_BITRATE).toBeLessThanOrEqual((layers + opus) * 1.5);
  });
});
