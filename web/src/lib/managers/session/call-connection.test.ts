import { describe, expect, it } from 'vitest';
import type { ConnectionQuality } from '../../rtc/room-client.js';
import { CallConnection, type QualitySource } from './call-connection.svelte.js';

const at = (lossPercent: number): ConnectionQuality => ({ level: lossPercent > 10 ? 1 : 3, lossPercent, rttMs: 40 });

/** Statistics as the room's media would give them, one poll after another. */
function source(losses: number[], byPeer = new Map<string, ConnectionQuality>()): QualitySource {
  return {
    quality: async () => at(losses.shift() ?? 0),
    peerQualities: async () => byPeer,
  };
}

describe('CallConnection', () => {
  it('suggests audio only after heavy loss two polls in a row, in full video only', async () => {
    const connection = new CallConnection();
    const stats = source([20, 2, 20, 20]);
    await connection.poll(stats, { perPeer: false, mode: 'full' });
    await connection.poll(stats, { perPeer: false, mode: 'full' });
    expect(connection.suggestAudioOnly).toBe(false);
    await connection.poll(stats, { perPeer: false, mode: 'full' });
    await connection.poll(stats, { perPeer: false, mode: 'full' });
    expect(connection.suggestAudioOnly).toBe(true);
    expect(connection.quality?.lossPercent).toBe(20);

    const alreadyLight = new CallConnection();
    const lossy = source([30, 30, 30]);
    for (let i = 0; i < 3; i++) await alreadyLight.poll(lossy, { perPeer: false, mode: 'audio-only' });
    expect(alreadyLight.suggestAudioOnly).toBe(false);
  });

  it("keeps each participant's quality for a circle's tiles", async () => {
    const connection = new CallConnection();
    await connection.poll(source([0], new Map([['p1', at(12)]])), { perPeer: true, mode: 'full' });
    expect(connection.peerQuality).toEqual({ p1: at(12) });
  });

  it('keeps the last figures when statistics cannot be read', async () => {
    const connection = new CallConnection();
    await connection.poll(source([5]), { perPeer: false, mode: 'full' });
    await connection.poll({ quality: () => Promise.reject(new Error('closed')), peerQualities: async () => new Map() }, { perPeer: true, mode: 'full' });
    expect(connection.quality?.lossPercent).toBe(5);
  });
});
