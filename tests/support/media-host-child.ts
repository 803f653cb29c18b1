// One media host for the cross-host pipe tests, as its own process (started
// by media-hosts.ts inside its own network namespace, run by Node's own type
// stripping, so it imports built packages only): a WorkerPool, one router,
// WebRTC transports for the browser pages, and the host-pipe modules. The
// test process drives it over the IPC channel and plays the control channel
// between the two hosts: it carries each host's pipe messages to the other.
import { HostPipeReceiver, HostPipeSender, WorkerPool, mediaCodecs, type CarriedProducer, type FarHost, type HostPipeSettings } from '@care/media';
import type { types } from 'mediasoup';
import { pino } from 'pino';

interface Config {
  name: string;
  farName: string;
  listenIp: string;
  pipe: HostPipeSettings;
  workerBin?: string;
}

type Message =
  | { kind: 'call'; id: number; method: string; data: Record<string, unknown> }
  | { kind: 'far-reply'; id: number; ok: boolean; data?: unknown; error?: string };

const config = JSON.parse(process.env.MEDIA_HOST_CONFIG ?? '{}') as Config;
const log = pino({ level: 'warn', base: { host: config.name } });
const send = (message: unknown) => process.send?.(message);

const pool = await WorkerPool.create(
  { workers: 1, workerBin: config.workerBin, listenIp: config.listenIp, portBase: 0, initialAvailableOutgoingBitrate: 1_000_000, logLevel: 'warn', consumersPerWorker: 500 },
  log,
);
const slot = pool.leastLoaded();
const router = await slot.worker.createRouter({ mediaCodecs });
const sender = new HostPipeSender(config.pipe, log);
const receiver = new HostPipeReceiver(config.pipe, log);
const transports = new Map<string, types.WebRtcTransport>();
const producers = new Map<string, types.Producer>();
const consumers = new Map<string, types.Consumer>();
/** Pipe producers this host received (live or closed), for their stats. */
const piped: types.Producer[] = [];
const repipeHolds = new Map<string, CarriedProducer>();

let nextFarCall = 0;
const farCalls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
function farCall(method: string, data: unknown): Promise<unknown> {
  const id = nextFarCall++;
  send({ kind: 'far', id, method, data });
  return new Promise((resolve, reject) => farCalls.set(id, { resolve, reject }));
}
const far: FarHost = {
  id: config.farName,
  open: (request) => farCall('open', request),
  connect: async (answer) => {
    await farCall('connect', answer);
  },
  close: (message) => void farCall('close', message).catch(() => undefined),
};

// One far host here: the mirror goes to it (a media node with several would send it to `farHost`).
sender.on('mirror', (message, farHost) => send({ kind: 'event', name: 'mirror', data: { ...message, farHost } }));
sender.on('dead', (dead) => send({ kind: 'event', name: 'sender-dead', data: dead }));
receiver.on('dead', (dead) => send({ kind: 'event', name: 'receiver-dead', data: dead }));

function need<T>(map: Map<string, T>, id: unknown, what: string): T {
  const found = map.get(String(id));
  if (!found) throw new Error(`no such ${what}`);
  return found;
}

async function consume(transport: types.WebRtcTransport, producerId: string, rtpCapabilities: types.RtpCapabilities, hold?: () => void) {
  const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true });
  consumers.set(consumer.id, consumer);
  consumer.observer.once('close', () => {
    consumers.delete(consumer.id);
    send({ kind: 'event', name: 'consumer-closed', data: { id: consumer.id, producerId } });
    hold?.();
  });
  return { id: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters };
}

const handlers: Record<string, (data: Record<string, unknown>) => Promise<unknown>> = {
  capabilities: async () => router.rtpCapabilities,
  transport: async () => {
    const t = await router.createWebRtcTransport({ webRtcServer: slot.webRtcServer });
    transports.set(t.id, t);
    t.observer.once('close', () => transports.delete(t.id));
    return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
  },
  connect: async ({ id, dtlsParameters }) => {
    await need(transports, id, 'transport').connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
    return {};
  },
  produce: async ({ id, kind, rtpParameters }) => {
    const producer = await need(transports, id, 'transport').produce({ kind: kind as types.MediaKind, rtpParameters: rtpParameters as types.RtpParameters, appData: { roomId: 'room-1', peerId: 'peer-a', source: 'camera' } });
    producers.set(producer.id, producer);
    producer.observer.once('close', () => producers.delete(producer.id));
    return { id: producer.id };
  },
  /** A consumer of a producer on this host, or (`far`) of the far host's, piped here on first need. */
  consume: async ({ id, producerId, rtpCapabilities, far: fromFar }) => {
    const transport = need(transports, id, 'transport');
    if (!fromFar) return consume(transport, String(producerId), rtpCapabilities as types.RtpCapabilities);
    const carried = await receiver.carry(router, String(producerId), far);
    if (!piped.includes(carried.producer)) piped.push(carried.producer);
    try {
      return await consume(transport, String(producerId), rtpCapabilities as types.RtpCapabilities, carried.release);
    } catch (error) {
      carried.release();
      throw error;
    }
  },
  resume: async ({ id }) => {
    await need(consumers, id, 'consumer').resume();
    return {};
  },
  closeConsumer: async ({ id }) => {
    need(consumers, id, 'consumer').close();
    return {};
  },
  producer: async ({ id, action }) => {
    const producer = need(producers, id, 'producer');
    if (action === 'pause') await producer.pause();
    else if (action === 'resume') await producer.resume();
    else producer.close();
    return {};
  },
  // The control channel's messages, as host A receives them…
  pipeOpen: async ({ request, farHost }) => {
    const producerId = (request as { producerId?: unknown } | undefined)?.producerId;
    return sender.open(router, need(producers, producerId, 'producer'), request, String(farHost));
  },
  pipeConnect: async ({ answer, farHost }) => sender.connect(answer, String(farHost)).then(() => ({})),
  pipeClose: async ({ message, farHost }) => {
    sender.close(message, String(farHost));
    return {};
  },
  // …and as host B receives them.
  pipeMirror: async ({ message, farHost }) => receiver.mirror(message, String(farHost)).then(() => ({})),
  /** Re-pipes a dead pipe; held here until `releaseRepipe` (once the page consumed it again). */
  repipe: async ({ dead }) => {
    const carried = await receiver.repipe(router, dead as Parameters<HostPipeReceiver['repipe']>[1], far);
    if (!piped.includes(carried.producer)) piped.push(carried.producer);
    repipeHolds.set(carried.pipeId, carried);
    return { pipeId: carried.pipeId };
  },
  releaseRepipe: async ({ pipeId }) => {
    repipeHolds.get(String(pipeId))?.release();
    repipeHolds.delete(String(pipeId));
    return {};
  },
  /** Pipes open on each side, and what crossed into this host's pipe producers (RTX/NACK counters included). */
  state: async () => {
    const stats = [];
    for (const producer of piped) {
      if (producer.closed) continue;
      for (const stat of await producer.getStats()) {
        stats.push({
          producerId: producer.id,
          ssrc: stat.ssrc,
          paused: producer.paused,
          byteCount: stat.byteCount,
          packetCount: stat.packetCount,
          packetsLost: stat.packetsLost,
          nackCount: stat.nackCount,
          nackPacketCount: stat.nackPacketCount,
          packetsRetransmitted: stat.packetsRetransmitted,
          packetsRepaired: stat.packetsRepaired,
        });
      }
    }
    return { senderPipes: sender.size, receiverPipes: receiver.size, consumers: consumers.size, pipedStats: stats, routerTransports: (await router.dump()).transportIds.length, workerAlive: !slot.worker.closed };
  },
};

/** An error as the test sees it: its class, its code if it has one (MediaError), its message. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? `(${code})` : ''}: ${error.message}`;
}

process.on('message', (message: Message) => {
  if (message.kind === 'far-reply') {
    const call = farCalls.get(message.id);
    farCalls.delete(message.id);
    if (message.ok) call?.resolve(message.data);
    else call?.reject(new Error(message.error ?? 'far host failed'));
    return;
  }
  const handler = handlers[message.method];
  if (!handler) {
    send({ kind: 'reply', id: message.id, ok: false, error: `unknown method ${message.method}` });
    return;
  }
  handler(message.data ?? {}).then(
    (data) => send({ kind: 'reply', id: message.id, ok: true, data }),
    (error: unknown) => send({ kind: 'reply', id: message.id, ok: false, error: describe(error) }),
  );
});

process.on('disconnect', () => {
  pool.close();
  process.exit(0);
});
send({ kind: 'ready', udpPort: slot.udpPort });
