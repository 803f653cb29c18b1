import { randomUUID } from 'node:crypto';
import { HostPipeReceiver, HostPipeSender, LocalMediaRooms, RoomRegistry, WorkerPool, type MediaSettings } from '@care/media';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { hostPipeSettings } from '../live/host-pipe-settings.js';
import { connectRedis } from '../redis/redis-connection.js';
import { ControlServer } from './control-server.js';
import { controlTlsServer } from './control-tls.js';
import { HEARTBEAT_EVERY_MS, MediaNodeRegistry } from './media-node-registry.js';
import { MediaNodeRooms } from './media-node-rooms.js';
import { NodeLoad } from './node-load.js';

export interface MediaNode {
  readonly nodeId: string;
  /** The control port it listens on. */
  readonly controlPort: number;
  /** Rooms open on it now. */
  readonly roomCount: number;
  /** Pipes to (outbound) and from (inbound) other media nodes open now. */
  readonly pipes: { outbound: number; inbound: number };
  /**
   * Stops taking rooms (its entry says 'draining'), waits for its rooms to
   * end, at most `graceMs`, then closes.
   */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A media node (CARE_ROLE=media): the worker pool (one worker and one
 * WebRtcServer per core, the announced address from config), the control
 * server its signal nodes drive it through, and its heartbeat in Redis.
 * No HTTP, no Socket.IO, no database.
 */
export async function startMediaNode(config: Config, settings: MediaSettings, log: Logger): Promise<MediaNode> {
  const secret = config.MEDIA_CONTROL_SECRET;
  if (!secret) throw new Error('MEDIA_CONTROL_SECRET is required for a media node');
  const nodeId = randomUUID();
  const nodeLog = log.child({ mediaNodeId: nodeId });
  const redis = await connectRedis(config, nodeLog);
  const pool = await WorkerPool.create(settings, nodeLog);
  const pipeSettings = hostPipeSettings(config);
  const pipes = { nodeId, sender: new HostPipeSender(pipeSettings, nodeLog.child({ component: 'pipe-sender' })), receiver: new HostPipeReceiver(pipeSettings, nodeLog.child({ component: 'pipe-receiver' })) };
  const rooms = new MediaNodeRooms(new LocalMediaRooms(new RoomRegistry(pool, settings, nodeLog)), nodeLog.child({ component: 'media-node-rooms' }), pipes, config.MEDIA_TEST_PLAIN_INGRESS ? config.MEDIA_LISTEN_IP : undefined);
  let control: ControlServer;
  try {
    control = await ControlServer.start({
      host: config.MEDIA_CONTROL_HOST,
      port: config.MEDIA_CONTROL_PORT,
      secret,
      nodeId,
      handler: rooms,
      log: nodeLog.child({ component: 'control-server' }),
      tls: controlTlsServer(config),
    });
  } catch (error) {
    pool.close();
    redis.disconnect();
    throw error;
  }
  const registry = new MediaNodeRegistry(redis);
  const load = new NodeLoad(pool, config.MEDIA_EGRESS_MBPS * 1_000_000);
  const controlUrl = config.MEDIA_CONTROL_URL ?? `${control.tls ? 'wss' : 'ws'}://${config.MEDIA_CONTROL_HOST}:${control.port}`;
  let state: 'up' | 'draining' = 'up';
  const beat = async () => {
    await registry.publish({ nodeId, address: config.MEDIA_ANNOUNCED_ADDRESS ?? config.MEDIA_LISTEN_IP, controlUrl, load: await load.sample(), state });
  };
  await beat();
  const heartbeat = setInterval(() => void beat().catch((error: unknown) => nodeLog.warn({ err: error }, 'media node heartbeat failed')), HEARTBEAT_EVERY_MS);
  nodeLog.info({ workers: pool.size, mediaPorts: pool.ports() }, 'media node up');

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    await registry.withdraw(nodeId).catch(() => undefined);
    await control.close();
    pipes.receiver.close();
    pool.close();
    redis.disconnect();
  };
  return {
    nodeId,
    controlPort: control.port,
    get roomCount() {
      return rooms.size;
    },
    get pipes() {
      return rooms.pipes;
    },
    async drain(graceMs: number) {
      state = 'draining';
      rooms.drain();
      await beat().catch(() => undefined);
      // After the registry says so: a signal node moving a room off places it by what the registry says.
      rooms.announceDraining();
      nodeLog.info({ rooms: rooms.size }, 'media node draining');
      const until = Date.now() + graceMs;
      while (rooms.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 250));
      nodeLog.info({ roomsLeft: rooms.size }, 'media node drained');
      await close();
    },
    close,
  };
}
