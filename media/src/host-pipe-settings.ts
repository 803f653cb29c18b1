import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { types } from 'mediasoup';
import type { PipeEndpoint } from './host-pipe-messages.js';
import { MediaError } from './media-error.js';

/**
 * Where this host's pipe ends listen, and which far ends they may be joined
 * to. Pipes between media hosts run on a private network: every address a
 * far host gives must lie in `peerNetworks` and its port in the same range
 * this host uses (one range for the deployment), so a corrupted or hostile
 * description can never send a room's media to an arbitrary address.
 */
export interface HostPipeSettings {
  /** Address the pipe ends listen on (MEDIA_PIPE_LISTEN_IP), a private one. */
  listenIp: string;
  /** Address the far host sends to, if not listenIp (MEDIA_PIPE_ANNOUNCED_IP). */
  announcedIp?: string | undefined;
  /** UDP port range of pipe ends, both sides (MEDIA_PIPE_PORT_MIN / MEDIA_PIPE_PORT_MAX). */
  portMin: number;
  portMax: number;
  /** Networks far pipe ends may be in (MEDIA_PIPE_PEER_NETWORKS, parsed by the server's config). */
  peerNetworks: readonly PipeNetwork[];
  /** How often each pipe's stats are read (ms). */
  watchIntervalMs: number;
  /** Bytes standing still this long while media should flow: the link is dead (ms). */
  deadAfterMs: number;
  /** A pipe end whose far end does not connect within this time is closed (ms). */
  connectTimeoutMs: number;
}

/** A network, as the server's config parses one (`10.0.0.0/8` → address, prefix, family). */
export interface PipeNetwork {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export const PIPE_WATCH_DEFAULTS = { watchIntervalMs: 1000, deadAfterMs: 4000, connectTimeoutMs: 15_000 } as const;

/** The far addresses a pipe may be joined to: inside the configured networks and port range. */
export class PipePeerRange {
  readonly #networks = new BlockList();

  constructor(private readonly settings: Pick<HostPipeSettings, 'peerNetworks' | 'portMin' | 'portMax'>) {
    for (const network of settings.peerNetworks) this.#networks.addSubnet(network.address, network.prefix, network.family);
  }

  allows(ip: string, port: number): boolean {
    const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
    if (!family) return false;
    return port >= this.settings.portMin && port <= this.settings.portMax && this.#networks.check(ip, family);
  }
}

/** The listening side of a pipe end: UDP on the private address, a port from the range. */
export function pipeListenInfo(settings: HostPipeSettings): types.TransportListenInfo {
  return {
    protocol: 'udp',
    ip: settings.listenIp,
    ...(settings.announcedIp ? { announcedAddress: settings.announcedIp } : {}),
    portRange: { min: settings.portMin, max: settings.portMax },
  };
}

/** This end as the far host should see it. */
export function endpointOf(transport: types.PipeTransport, settings: HostPipeSettings): PipeEndpoint {
  const srtpParameters = transport.srtpParameters;
  if (!srtpParameters) throw new MediaError('unavailable', 'the pipe end has no SRTP parameters');
  return { ip: settings.announcedIp ?? transport.tuple.localAddress, port: transport.tuple.localPort, srtpParameters };
}
