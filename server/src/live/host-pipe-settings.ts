import { PIPE_WATCH_DEFAULTS, type HostPipeSettings } from '@care/media';
import type { Config } from '../config.js';

/**
 * The pipe settings of this media host (issue 14), from its config: what a
 * media node hands its HostPipeSender and HostPipeReceiver (@care/media).
 */
export function hostPipeSettings(config: Config): HostPipeSettings {
  return {
    listenIp: config.MEDIA_PIPE_LISTEN_IP,
    announcedIp: config.MEDIA_PIPE_ANNOUNCED_IP,
    portMin: config.MEDIA_PIPE_PORT_MIN,
    portMax: config.MEDIA_PIPE_PORT_MAX,
    peerNetworks: config.MEDIA_PIPE_PEER_NETWORKS,
    ...PIPE_WATCH_DEFAULTS,
  };
}
