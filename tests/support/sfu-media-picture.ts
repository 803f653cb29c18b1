import type { TestPlatform } from './test-platform.js';

type MediaRoom = NonNullable<ReturnType<TestPlatform['platform']['media']['get']>>;

/**
 * What the SFU holds for each named peer, for a failure message: every
 * producer and consumer with its pause state and the RTP packets the worker
 * counted on it. It tells which link of the chain is missing when a page
 * receives nothing of someone: the sender's producer (absent, paused, no
 * packets), the receiver's consumer (never made, paused, its producer
 * paused), or neither (then the page).
 */
export async function sfuMediaPicture(room: MediaRoom | undefined, peerIds: Iterable<string>): Promise<string> {
  if (!room) return 'no media room';
  const lines: string[] = [];
  for (const peerId of peerIds) {
    const peer = room.peerIfPresent(peerId);
    if (!peer) {
      lines.push(`${peerId}: not in the media room`);
      continue;
    }
    for (const producer of peer.producers.values()) {
      lines.push(`${peerId} produces ${String(producer.appData.source)} ${producer.paused ? 'paused' : 'live'} packets=${await packetsOf(producer)}`);
    }
    for (const consumer of peer.consumers.values()) {
      const state = consumer.paused ? 'paused' : consumer.producerPaused ? 'producer-paused' : 'live';
      lines.push(`${peerId} consumes ${consumer.kind} of ${String(consumer.appData.peerId)} ${state} packets=${await packetsOf(consumer)}`);
    }
    if (peer.producers.size + peer.consumers.size === 0) lines.push(`${peerId}: no producer, no consumer`);
  }
  return lines.join('\n');
}

async function packetsOf(endpoint: { getStats(): Promise<Array<{ type: string; packetCount?: number }>> }): Promise<string> {
  try {
    const stats = await endpoint.getStats();
    return stats.map((s) => `${s.type}:${s.packetCount ?? '?'}`).join(',');
  } catch {
    return 'closed';
  }
}
