import type { types } from 'mediasoup-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DISCONNECTED_GRACE_MS, IceRecovery, MAX_TRIES, RESTART_GAP_MS, SETTLE_MS, type WatchedTransport } from './ice-recovery.js';
import { SILENCE_MS, SILENCE_POLL_MS } from './path-silence.js';

/** A transport whose received bytes grow while its path `flows`, and whose restarts are counted. */
class FakeTransport implements WatchedTransport {
  closed = false;
  connectionState: types.ConnectionState = 'connected';
  flows = true;
  bytes = 0;
  answers = 0;
  restarts = 0;
  constructor(readonly id: string) {}

  tick(ms: number): void {
    if (this.flows) this.bytes += ms;
  }

  getStats(): Promise<RTCStatsReport> {
    const stats = new Map<string, unknown>([
      ['T', { type: 'transport', bytesReceived: this.bytes }],
      ['P', { type: 'candidate-pair', responsesReceived: this.answers }],
    ]);
    return Promise.resolve(stats as unknown as RTCStatsReport);
  }
}

describe('IceRecovery', () => {
  let send: FakeTransport;
  let recv: FakeTransport;
  let recovered: number;
  let changes: number;
  let network: (() => void) | undefined;
  /** What a restart does to the path: comes back (the browser found the new one) or not. */
  let restartWorks: boolean;
  let answerRestart: boolean;
  let recovery: IceRecovery;

  beforeEach(() => {
    vi.useFakeTimers();
    send = new FakeTransport('send');
    recv = new FakeTransport('recv');
    recovered = 0;
    changes = 0;
    restartWorks = true;
    answerRestart = true;
    recovery = new IceRecovery({
      restart: (transport) => {
        const fake = transport as FakeTransport;
        fake.restarts++;
        if (!answerRestart) return Promise.reject(new Error('no answer'));
        if (restartWorks) {
          fake.flows = true;
          fake.answers++;
          fake.connectionState = 'connected';
        }
        return Promise.resolve();
      },
      onRecovered: () => recovered++,
      onChange: () => changes++,
      listenToNetwork: (changed) => {
        network = changed;
        return () => (network = undefined);
      },
    });
    recovery.watch(send);
    recovery.watch(recv);
  });
  afterEach(() => {
    recovery.close();
    vi.useRealTimers();
  });

  /** Time passes in small steps: the paths carry what they carry, the polls read them. */
  async function pass(ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= 50) {
      send.tick(50);
      recv.tick(50);
      await vi.advanceTimersByTimeAsync(50);
    }
  }

  function cut(): void {
    send.flows = false;
    recv.flows = false;
  }

  it('restarts both transports together about a second after the path goes silent, and asks for key frames once both carry again', async () => {
    await pass(3000);
    cut();
    await pass(SILENCE_MS + SILENCE_POLL_MS + 100);
    expect([send.restarts, recv.restarts]).toEqual([1, 1]);
    expect(recovery.recovering).toBe(false);
    expect(recovered).toBe(1);
    await pass(10_000);
    expect([send.restarts, recv.restarts]).toEqual([1, 1]);
  });

  it('does not restart on a quiet call, nor while anything still arrives', async () => {
    send.flows = false;
    recv.flows = false;
    await pass(10_000);
    recv.flows = true;
    await pass(3000);
    // A slow link: something now and then on the receive side.
    recv.flows = false;
    for (let i = 0; i < 20; i++) {
      recv.bytes += 100;
      await pass(700);
    }
    expect([send.restarts, recv.restarts]).toEqual([0, 0]);
  });

  it("restarts a transport 'disconnected' for a second (not one that heals sooner), and a 'failed' one at once", async () => {
    recv.flows = false;
    send.connectionState = 'disconnected';
    recovery.stateChanged('send', 'disconnected');
    await pass(DISCONNECTED_GRACE_MS / 2);
    send.connectionState = 'connected';
    recovery.stateChanged('send', 'connected');
    await pass(DISCONNECTED_GRACE_MS);
    expect(send.restarts).toBe(0);
    send.connectionState = 'disconnected';
    recovery.stateChanged('send', 'disconnected');
    await pass(DISCONNECTED_GRACE_MS + 50);
    expect([send.restarts, recv.restarts]).toEqual([1, 0]);
    await pass(5000);
    recv.connectionState = 'failed';
    recovery.stateChanged('recv', 'failed');
    await pass(50);
    expect(recv.restarts).toBe(1);
  });

  it('never asks a second restart while one is in flight or being judged', async () => {
    let answer: (() => void) | undefined;
    recovery.close();
    recovery = new IceRecovery({
      restart: (transport) => {
        (transport as FakeTransport).restarts++;
        return new Promise<void>((resolve) => (answer = resolve));
      },
      onRecovered: () => recovered++,
      onChange: () => changes++,
    });
    recovery.watch(send);
    send.connectionState = 'failed';
    recovery.stateChanged('send', 'failed');
    recovery.stateChanged('send', 'failed');
    recovery.stateChanged('send', 'disconnected');
    await pass(DISCONNECTED_GRACE_MS * 2);
    expect(send.restarts).toBe(1);
    answer?.();
    recovery.stateChanged('send', 'failed');
    await pass(SETTLE_MS - 200);
    expect(send.restarts).toBe(1);
  });

  it('tries a restart that did not bring the path back again, spaced out, then gives up and says so', async () => {
    await pass(3000);
    cut();
    restartWorks = false;
    await pass(SILENCE_MS + SILENCE_POLL_MS + 100);
    expect(send.restarts).toBe(1);
    expect(recovery.recovering).toBe(true);
    await pass(SETTLE_MS + 100);
    expect(send.restarts).toBe(2);
    await pass(SETTLE_MS * 2 + 100);
    expect(send.restarts).toBe(MAX_TRIES);
    expect(recovery.gaveUp).toBe(false);
    await pass(SETTLE_MS * 4 + 100);
    expect(recovery.gaveUp).toBe(true);
    expect(recovery.recovering).toBe(false);
    // Given up: no more restarts, whatever asks, until the transport is seen connected again.
    recovery.stateChanged('send', 'failed');
    network?.();
    await pass(60_000);
    expect(send.restarts).toBe(MAX_TRIES);
    expect(recovered).toBe(0);
    recovery.stateChanged('send', 'connected');
    recovery.stateChanged('recv', 'connected');
    expect(recovery.gaveUp).toBe(false);
  });

  it('counts a restart the server did not answer (the socket is down) as a try', async () => {
    answerRestart = false;
    send.connectionState = 'failed';
    recovery.stateChanged('send', 'failed');
    await pass(SETTLE_MS + 100);
    expect(send.restarts).toBe(2);
  });

  it('does not loop on a flapping link: each new restart of a transport waits twice as long as the one before', async () => {
    const restartTimes: number[] = [];
    const start = Date.now();
    await pass(3000);
    for (let flap = 0; flap < 10; flap++) {
      cut();
      const before = send.restarts;
      // Down until a restart brings it back (each restart does), then up for 3 s.
      while (send.restarts === before) await pass(50);
      restartTimes.push(Date.now() - start);
      await pass(3000);
    }
    const gaps = restartTimes.slice(1).map((at, i) => at - (restartTimes[i] ?? 0));
    // Spaced 2 s, 4 s, 8 s, 16 s apart at least, then never closer than 2 s (a minute on, the first are forgotten).
    gaps.slice(0, 4).forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(RESTART_GAP_MS * 2 ** i));
    gaps.forEach((gap) => expect(gap).toBeGreaterThanOrEqual(RESTART_GAP_MS));
    // Well inside room:restart-ice's budget (30 transport requests in 30 s per connection; two transports, each this often).
    const inAnyHalfMinute = Math.max(...restartTimes.map((at) => restartTimes.filter((t) => t >= at && t < at + 30_000).length));
    expect(2 * inAnyHalfMinute).toBeLessThanOrEqual(10);
  });

  it('restarts both transports when the browser says the network changed', async () => {
    network?.();
    await pass(50);
    expect([send.restarts, recv.restarts]).toEqual([1, 1]);
  });

  it('does nothing once closed', async () => {
    recovery.close();
    cut();
    recovery.stateChanged('send', 'failed');
    network?.();
    await pass(10_000);
    expect([send.restarts, recv.restarts]).toEqual([0, 0]);
  });
  it('forgets a transport closed for good (the media moved to another node): its failure is not restarted', async () => {
    recovery.forget('send');
    send.flows = false;
    recovery.stateChanged('send', 'failed');
    await pass(10_000);
    expect(send.restarts).toBe(0);
    expect(recovery.recovering).toBe(false);
    // The one still watched is looked after as before.
    recv.flows = false;
    recovery.stateChanged('recv', 'failed');
    await pass(3_000);
    expect(recv.restarts).toBe(1);
  });
});
