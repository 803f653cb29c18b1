import type { MediaMode } from '@care/shared';
import { describe, expect, it } from 'vitest';
import type { ConnectionQuality } from '../../rtc/room-client.js';
import { CallConnection, POOR_FOR_MS, type QualitySource } from './call-connection.svelte.js';
import { announcements } from './link-double.test-support.js';

const at = (lossPercent: number, audioLossPercent?: number): ConnectionQuality => ({ level: lossPercent > 10 ? 1 : 3, lossPercent, audioLossPercent, rttMs: 40 });

/** Statistics as the room's media would give them, one poll after another. */
function source(readings: ConnectionQuality[], byPeer = new Map<string, ConnectionQuality>()): QualitySource {
  return {
    reception: async () => ({ quality: readings.shift() ?? at(0, 0), byPeer }),
  };
}

/** A connection polled every 2 s on a clock the test moves. */
function polled() {
  let now = 1_000_000;
  const { said, announce } = announcements();
  const connection = new CallConnection({ announce, now: () => now });
  const poll = async (quality: ConnectionQuality, mode: MediaMode = 'full') => {
    now += 2000;
    await connection.poll(source([quality]), { perPeer: false, mode });
  };
  /** Polls the same reading for `ms` (every 2 s). */
  const hold = async (quality: ConnectionQuality, ms: number, mode: MediaMode = 'full') => {
    for (let t = 0; t < ms; t += 2000) await poll(quality, mode);
  };
  return { connection, said, poll, hold };
}

describe('CallConnection', () => {
  it('offers voice only once loss has stayed above 10% for 10 s, not before, and says so politely', async () => {
    const { connection, said, poll, hold } = polled();
    await poll(at(0));
    await hold(at(25), POOR_FOR_MS - 2000);
    expect(connection.offer).toBeUndefined();
    await poll(at(25));
    expect(connection.offer).toBe('audio-only');
    expect(said).toEqual(['mode.suggest:']);
    expect(connection.quality?.lossPercent).toBe(25);
  });

  it('starts the 10 s again when the loss dips in between', async () => {
    const { connection, poll, hold } = polled();
    await poll(at(0));
    await hold(at(30), 6000);
    await poll(at(4));
    await hold(at(30), 8000);
    expect(connection.offer).toBeUndefined();
    await hold(at(30), 2000);
    expect(connection.offer).toBe('audio-only');
  });

  it('in voice only, offers chat only when the voice itself breaks up (over 20% of audio for 10 s)', async () => {
    const { connection, said, poll, hold } = polled();
    await poll(at(0));
    await hold(at(30, 30), POOR_FOR_MS);
    expect(connection.accept()).toBe('audio-only');
    expect(connection.fellBack).toBe('audio-only');
    // Voice only: a voice at 15% loss still carries; no offer.
    await hold(at(15, 15), 2 * POOR_FOR_MS, 'audio-only');
    expect(connection.offer).toBeUndefined();
    await hold(at(35, 35), POOR_FOR_MS, 'audio-only');
    expect(connection.offer).toBe('chat-only');
    expect(said).toEqual(['mode.suggest:', 'mode.offerChatOnly:']);
    expect(connection.accept()).toBe('chat-only');
    expect(connection.fellBack).toBe('chat-only');
    // Chat only goes no lower.
    await hold(at(50, 50), 2 * POOR_FOR_MS, 'chat-only');
    expect(connection.offer).toBeUndefined();
  });

  it('judges the voice only on enough audio: an unknown audio loss (a silent room) offers nothing', async () => {
    const { connection, hold } = polled();
    await hold(at(40, undefined), 3 * POOR_FOR_MS, 'audio-only');
    expect(connection.offer).toBeUndefined();
  });

  it('does not repeat a declined offer until the connection has recovered and stayed poor again', async () => {
    const { connection, poll, hold } = polled();
    await poll(at(0));
    await hold(at(30), POOR_FOR_MS);
    connection.decline();
    await hold(at(30), 3 * POOR_FOR_MS);
    expect(connection.offer).toBeUndefined();
    await poll(at(1));
    await hold(at(30), POOR_FOR_MS);
    expect(connection.offer).toBe('audio-only');
  });

  it("gives way to the person's own choice of mode, and forgets the way back once they are back to full", async () => {
    const { connection, poll, hold } = polled();
    await poll(at(0));
    await hold(at(30), POOR_FOR_MS);
    connection.accept();
    expect(connection.fellBack).toBe('audio-only');
    connection.chose('full');
    expect(connection.fellBack).toBeUndefined();
    // An offer that no longer fits the mode (voice only offered, chat only chosen) is withdrawn.
    await hold(at(30), POOR_FOR_MS);
    expect(connection.offer).toBe('audio-only');
    await poll(at(30, 30), 'chat-only');
    expect(connection.offer).toBeUndefined();
  });

  it("keeps each participant's quality for a circle's tiles", async () => {
    const connection = new CallConnection();
    await connection.poll(source([at(0)], new Map([['p1', at(12)]])), { perPeer: true, mode: 'full' });
    expect(connection.peerQuality).toEqual({ p1: at(12) });
  });

  it('does not start a look while the last is still under way (a busy page skips a poll, never piles them up)', async () => {
    const connection = new CallConnection();
    let looks = 0;
    let finish: (value: { quality: ConnectionQuality; byPeer: Map<string, ConnectionQuality> }) => void = () => undefined;
    const slow: QualitySource = {
      reception: () => {
        looks += 1;
        return new Promise((resolve) => (finish = resolve));
      },
    };
    const first = connection.poll(slow, { perPeer: true, mode: 'full' });
    await connection.poll(slow, { perPeer: true, mode: 'full' });
    expect(looks).toBe(1);
    finish({ quality: at(7), byPeer: new Map() });
    await first;
    expect(connection.quality?.lossPercent).toBe(7);
    await connection.poll(source([at(2)]), { perPeer: false, mode: 'full' });
    expect(connection.quality?.lossPercent).toBe(2);
  });

  it('keeps the last figures when statistics cannot be read', async () => {
    const connection = new CallConnection();
    await connection.poll(source([at(5)]), { perPeer: false, mode: 'full' });
    await connection.poll({ reception: () => Promise.reject(new Error('closed')) }, { perPeer: true, mode: 'full' });
    expect(connection.quality?.lossPercent).toBe(5);
  });
});
