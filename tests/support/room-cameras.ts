import type { CircleMeeting } from './circle-meeting.js';

/**
 * The room's camera producers at the SFU. A page's camera producer is made
 * when its camera is first on (a circle starts with cameras off, let go of),
 * and held paused whenever switched off after; the one camera switched on
 * is the one to follow.
 */
export function cameraProducers(c: CircleMeeting): Array<{ id: string; paused: boolean }> {
  const room = c.h.t.platform.media.get(c.roomId);
  return [...(room?.producers() ?? [])].filter(({ producer }) => producer.kind === 'video').map(({ producer }) => producer);
}

/** The only camera on in the room, by its producer id. */
export function theCameraOn(c: CircleMeeting): string {
  const on = cameraProducers(c).filter((p) => !p.paused);
  if (on.length !== 1) throw new Error(`expected exactly one camera on, found ${on.length}`);
  return (on[0] as { id: string }).id;
}

export function cameraPaused(c: CircleMeeting, producerId: string): boolean | undefined {
  return cameraProducers(c).find((p) => p.id === producerId)?.paused;
}
