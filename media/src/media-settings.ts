/** What the media layer needs from configuration; the server parses it from the environment. */
export interface MediaSettings {
  /** Number of mediasoup workers; one per core is the norm. */
  workers: number;
  /** Worker binary; undefined means mediasoup's default location. */
  workerBin?: string | undefined;
  /** Address the WebRtcServers listen on. */
  listenIp: string;
  /** Address (IP or host name) announced in ICE candidates; defaults to listenIp. */
  announcedAddress?: string | undefined;
  /**
   * First media port: worker i listens on UDP and TCP port `portBase + i`.
   * 0 lets the system choose free ports (tests).
   */
  portBase: number;
  /** Initial outgoing bitrate per WebRTC transport, bits per second. */
  initialAvailableOutgoingBitrate: number;
  logLevel: 'debug' | 'warn' | 'error' | 'none';
  /**
   * Consumers on a worker (every room's) from which a room places new
   * participants on a lighter worker and pipes media across (placement.ts).
   */
  consumersPerWorker: number;
}
