import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { RoomRegistry, routerCodecs, WorkerPool, type MediaSettings, type Room } from '@care/media';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { audioRtpParameters, videoRtpParameters, type StreamKind, type StreamTarget } from './rtp-stream.js';

/**
 * What one step of bench:sfu sets up on an SFU: `senders` people who each
 * send a camera (and a microphone, with `audio`) and receive every other
 * sender, and `listeners` who only receive every sender. Each receiver has
 * one plain transport with SRTP towards the counter (srtp-counter.ts).
 */
export interface Scene {
  senders: number;
  listeners: number;
  audio: boolean;
}

export interface Built {
  targets: StreamTarget[];
  /** Each consumer's SSRC and kind, as the counter sees them. */
  consumers: Array<{ ssrc: number; kind: StreamKind }>;
  /** Packets the worker sent out over every consumer (SRTP done), from mediasoup's own stats. */
  forwarded(): Promise<number>;
}

/** What a set of consumers sent, by mediasoup's outbound stats. */
async function sentBy(consumers: types.Consumer[]): Promise<number> {
  let total = 0;
  for (const consumer of consumers) {
    for (const stat of await consumer.getStats()) if (stat.type === 'outbound-rtp') total += stat.packetCount;
  }
  return total;
}

/** An SFU under test: ours (the media package's Room) or bare mediasoup, each on one worker pinned to one core. */
export interface Fanout {
  readonly name: 'ours' | 'bare';
  readonly workerPid: number;
  build(scene: Scene, counterPort: number): Promise<Built>;
  teardown(): void;
  close(): void;
}

const CRYPTO: types.SrtpCryptoSuite = 'AEAD_AES_128_GCM';
/*
 * Socket buffers of 4 MB (the kernel's limit here), for both SFUs alike: this
 * process sends in bursts when the shared machine delays its timers, and a
 * default buffer would drop them before the worker reads, which is this
 * harness's fault, not the SFU's.
 */
const listenInfo = { protocol: 'udp', ip: '127.0.0.1', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 } as const;

/** Pins a worker to one core, so both SFUs get the same, single core. */
export function pin(pid: number, core: number): void {
  execFileSync('taskset', ['-pc', String(core), String(pid)], { stdio: 'ignore' });
}

/** A receiver's plain transport: SRTP (the SFU encrypts every packet, as for a browser), sending to the counter. */
async function srtpTowards(router: types.Router, counterPort: number, appData: Record<string, unknown>): Promise<types.PlainTransport> {
  const transport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false, enableSrtp: true, srtpCryptoSuite: CRYPTO, appData });
  await transport.connect({ ip: '127.0.0.1', port: counterPort, srtpParameters: { cryptoSuite: CRYPTO, keyBase64: randomBytes(28).toString('base64') } });
  return transport;
}

function senderStreams(index: number, audio: boolean): Array<{ kind: StreamKind; ssrc: number }> {
  const base = 10_000 + index * 10;
  return audio ? [{ kind: 'video', ssrc: base }, { kind: 'audio', ssrc: base + 1 }] : [{ kind: 'video', ssrc: base }];
}

const parameters = (kind: StreamKind, ssrc: number) => (kind === 'video' ? videoRtpParameters(ssrc) : audioRtpParameters(ssrc));

function consumed(consumer: types.Consumer): { ssrc: number; kind: StreamKind } {
  return { ssrc: consumer.rtpParameters.encodings?.[0]?.ssrc ?? 0, kind: consumer.kind };
}

/** Bare mediasoup: a router, plain transports, `consume` unpaused. Nothing else. */
export async function bareFanout(workerBin: string | undefined, core: number): Promise<Fanout> {
  const worker = await mediasoup.createWorker({ logLevel: 'warn', disableLiburing: true, ...(workerBin ? { workerBin } : {}) });
  pin(worker.pid, core);
  let router: types.Router | undefined;
  return {
    name: 'bare',
    workerPid: worker.pid,
    async build(scene, counterPort) {
      router = await worker.createRouter({ mediaCodecs: routerCodecs('group') });
      const targets: StreamTarget[] = [];
      const producers: Array<{ owner: number; producer: types.Producer }> = [];
      for (let i = 0; i < scene.senders; i++) {
        const transport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
        for (const { kind, ssrc } of senderStreams(i, scene.audio)) {
          producers.push({ owner: i, producer: await transport.produce({ kind, rtpParameters: parameters(kind, ssrc) as types.RtpParameters }) });
          targets.push({ kind, ssrc, port: transport.tuple.localPort });
        }
      }
      const consumers: types.Consumer[] = [];
      for (let r = 0; r < scene.senders + scene.listeners; r++) {
        const transport = await srtpTowards(router, counterPort, {});
        for (const { owner, producer } of producers) {
          if (owner === r) continue;
          consumers.push(await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities }));
        }
      }
      return { targets, consumers: consumers.map(consumed), forwarded: () => sentBy(consumers) };
    },
    teardown() {
      router?.close();
    },
    close() {
      worker.close();
    },
  };
}

/**
 * Ours: the media package's Room on its WorkerPool, as the server drives it:
 * each person a peer placed by the room (its first transport made through
 * `Room.createTransport`, as a browser's is), producers made through
 * `Room.produce`, consumers made by the room when a receiver is ready
 * (`Room.setReady`), paused, and started through `MediaPeer.consumerReady`
 * as the server does on the receiver's answer. The WebRTC transport that
 * placed the peer is then swapped for a plain one on the same router (as the
 * e2e tests' headless members do), so both SFUs send over the same kind of
 * transport to the same counter.
 */
export async function ourFanout(workerBin: string | undefined, core: number): Promise<Fanout> {
  const settings: MediaSettings = {
    workers: 1,
    workerBin,
    listenIp: '127.0.0.1',
    portBase: 0,
    initialAvailableOutgoingBitrate: 1_000_000,
    logLevel: 'warn',
    consumersPerWorker: 500,
  };
  const log = pino({ level: 'silent' });
  const pool = await WorkerPool.create(settings, log);
  const slot = pool.leastLoaded();
  pin(slot.worker.pid, core);
  const registry = new RoomRegistry(pool, settings, log);
  let room: Room | undefined;
  let rooms = 0;

  async function placed(peerId: string, direction: 'send' | 'recv'): Promise<types.Router> {
    const live = room as Room;
    live.addPeer(peerId);
    const placing = await live.createTransport(peerId, direction);
    live.peer(peerId).transport(placing.id).close();
    const router = live.mediaRouterOf(peerId);
    if (!router) throw new Error('peer not placed');
    return router;
  }

  return {
    name: 'ours',
    workerPid: slot.worker.pid,
    async build(scene, counterPort) {
      const live = await registry.getOrCreate(`bench-${rooms++}`, 'group');
      room = live;
      live.on('consumer', ({ peerId, consumer }) => void live.peer(peerId).consumerReady(consumer.id));
      const targets: StreamTarget[] = [];
      for (let i = 0; i < scene.senders; i++) {
        const id = `person-${i}`;
        const router = await placed(id, 'send');
        const transport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true, appData: { direction: 'send' } });
        live.peer(id).transports.set(transport.id, transport as never);
        for (const { kind, ssrc } of senderStreams(i, scene.audio)) {
          await live.produce(id, transport.id, kind, parameters(kind, ssrc) as types.RtpParameters);
          targets.push({ kind, ssrc, port: transport.tuple.localPort });
        }
      }
      const receivers = [...Array.from({ length: scene.senders }, (_, i) => `person-${i}`), ...Array.from({ length: scene.listeners }, (_, i) => `listener-${i}`)];
      for (const id of receivers) {
        const router = id.startsWith('listener') ? await placed(id, 'recv') : live.mediaRouterOf(id);
        if (!router) throw new Error('peer not placed');
        const transport = await srtpTowards(router, counterPort, { direction: 'recv' });
        live.peer(id).transports.set(transport.id, transport as never);
        await live.setReady(id, live.rtpCapabilities);
      }
      const expected = scene.listeners * scene.senders * (scene.audio ? 2 : 1) + scene.senders * (scene.senders - 1) * (scene.audio ? 2 : 1);
      const all = () => receivers.flatMap((id) => [...live.peer(id).consumers.values()]);
      for (let waited = 0; all().filter((c) => !c.paused).length < expected; waited += 20) {
        if (waited > 60_000) throw new Error(`ours: ${all().length} consumers of ${expected} started`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const consumers = all();
      return { targets, consumers: consumers.map(consumed), forwarded: () => sentBy(consumers) };
    },
    teardown() {
      room?.close();
    },
    close() {
      registry.closeAll();
      pool.close();
    },
  };
}
