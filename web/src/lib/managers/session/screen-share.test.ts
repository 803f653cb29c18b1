import { describe, expect, it } from 'vitest';
import { announcements } from './link-double.test-support.js';
import { ScreenShare, type ScreenMedia } from './screen-share.svelte.js';

/** A captured screen track (Node has no media). */
class TrackDouble {
  readonly kind = 'video';
  readyState: 'live' | 'ended' = 'live';
  stop(): void {
    this.readyState = 'ended';
  }
}

function media() {
  const calls: string[] = [];
  const room: ScreenMedia = {
    shareScreen: async () => void calls.push('share'),
    stopScreenShare: async () => void calls.push('stop'),
    screenShareWithdrawn: () => void calls.push('withdrawn'),
  };
  return { room, calls };
}

function share({ host = false, circle = true, me = 'me', capture }: { host?: boolean; circle?: boolean; me?: string; capture?: () => Promise<MediaStream> } = {}) {
  const { said, announce } = announcements();
  const errors: unknown[] = [];
  const track = new TrackDouble();
  const part = new ScreenShare({
    myPeerId: () => me,
    isHost: () => host,
    isCircle: () => circle,
    announce,
    onError: (error) => void errors.push(error),
    capture: capture ?? (async () => ({ getVideoTracks: () => [track] }) as unknown as MediaStream),
  });
  return { part, said, errors, track };
}

describe('ScreenShare', () => {
  it('lets both people of a 1:1 share, and in a circle the facilitator; a member once the host allows it', () => {
    expect(share({ circle: false }).part.mayShare).toBe(true);
    expect(share({ host: true }).part.mayShare).toBe(true);
    const { part, said } = share();
    expect(part.mayShare).toBe(false);
    part.permissionChanged({ peerId: 'me', allowed: true });
    expect(part.mayShare).toBe(true);
    expect(said).toEqual(['screen.allowedYou:']);
    // Someone else's permission is theirs: we only note it (for the facilitator's menu).
    part.permissionChanged({ peerId: 'other', allowed: true });
    expect(part.maySharePeer('other', false)).toBe(true);
    expect(said).toHaveLength(1);
  });

  it('shares the chosen screen through the room, and stops it by our button', async () => {
    const { part } = share({ circle: false });
    const { room, calls } = media();
    part.use(room);
    await part.start();
    expect(part.sharing).toBe(true);
    expect(part.starting).toBe(false);
    await part.stop();
    expect(part.sharing).toBe(false);
    expect(calls).toEqual(['share', 'stop']);
  });

  it('does nothing for a member who may not share, and treats a closed picker as a choice, not an error', async () => {
    const member = share();
    const { room, calls } = media();
    member.part.use(room);
    await member.part.start();
    expect(calls).toEqual([]);

    const cancelled = share({
      circle: false,
      capture: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')),
    });
    cancelled.part.use(room);
    await cancelled.part.start();
    expect(cancelled.part.sharing).toBe(false);
    expect(cancelled.errors).toEqual([]);
  });

  it('ends our share when the host withdraws it (the SFU closed it: only the capture ends here), and says so', async () => {
    const { part, said } = share({ host: false });
    const { room, calls } = media();
    part.use(room);
    part.permissionChanged({ peerId: 'me', allowed: true });
    await part.start();
    part.permissionChanged({ peerId: 'me', allowed: false });
    expect(part.sharing).toBe(false);
    expect(part.ended).toBe('withdrawn');
    expect(part.mayShare).toBe(false);
    expect(calls).toEqual(['share', 'withdrawn']);
    expect(said).toContain('screen.withdrawnYou:');
  });

  it('hears the browser end the share (its own "stop sharing") or its encryption fail', async () => {
    const { part, said } = share({ circle: false });
    part.use(media().room);
    await part.start();
    part.stoppedByBrowser('ended');
    expect(part.sharing).toBe(false);
    expect(part.ended).toBeUndefined();
    await part.start();
    part.stoppedByBrowser('not-encrypted');
    expect(part.ended).toBe('not-encrypted');
    expect(said).toEqual(['screen.youStopped:', 'screen.notEncrypted:']);
  });

  it('starts each visit of the room with no share and no decisions', async () => {
    const { part } = share();
    part.use(media().room);
    part.permissionChanged({ peerId: 'me', allowed: true });
    await part.start();
    part.use(media().room);
    expect(part.sharing).toBe(false);
    expect(part.mayShare).toBe(false);
  });
});
