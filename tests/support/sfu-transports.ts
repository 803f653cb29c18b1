import type { TestPlatform } from './test-platform.js';

type MediaRoom = NonNullable<ReturnType<TestPlatform['platform']['media']['get']>>;

/** One WebRTC transport as the SFU sees it: whose, which way, its ICE credentials, state and the address media comes from. */
export interface SfuTransport {
  peerId: string;
  direction: string;
  ufrag: string;
  iceState: string;
  remoteIp: string | undefined;
}

/** Every transport of everyone sending in the room (read from the SFU's own objects). */
export function sfuTransports(room: MediaRoom | undefined): SfuTransport[] {
  if (!room) return [];
  const found: SfuTransport[] = [];
  for (const peerId of new Set([...room.producers()].map((p) => p.peerId))) {
    for (const transport of room.peer(peerId).transports.values()) {
      found.push({
        peerId,
        direction: String(transport.appData.direction),
        ufrag: transport.iceParameters.usernameFragment,
        iceState: transport.iceState,
        remoteIp: transport.iceSelectedTuple?.remoteIp,
      });
    }
  }
  return found;
}
