import type { MediaMode } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/api-error.js';
import { LinkDouble } from './link-double.test-support.js';
import { LocalMember, type LocalMedia } from './local-member.svelte.js';

/** The room's media as our side drives it: which tracks are on, the mode, the view asked for. */
class MediaDouble implements LocalMedia {
  readonly tracks = { audio: true, video: true };
  readonly calls: string[] = [];
  modeFails = false;
  setTrackEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    this.tracks[kind] = enabled;
  }
  async setMediaMode(mode: MediaMode): Promise<void> {
    this.calls.push(`mode:${mode}`);
    if (this.modeFails) throw new ApiError('not_in_room', 'Join the session first.');
  }
  async setVideoView(width: number, visible: boolean, onScreen?: ReadonlySet<string>): Promise<void> {
    this.calls.push(`view:${width}:${visible}${onScreen ? `:${[...onScreen].join(',')}` : ''}`);
  }
}

/** The camera device: each switch-on waits until the test says it opened (or failed). */
class CameraDouble {
  open = true;
  readonly calls: string[] = [];
  #opening: Array<{ resolve: (on: boolean) => void; reject: (e: Error) => void }> = [];
  off(): void {
    this.open = false;
    this.calls.push('off');
  }
  on(): Promise<boolean> {
    this.calls.push('on');
    return new Promise((resolve, reject) => this.#opening.push({ resolve, reject }));
  }
  opened(): void {
    this.open = true;
    this.#opening.shift()?.resolve(true);
  }
  failed(): void {
    this.#opening.shift()?.reject(new Error('NotReadableError'));
  }
}

function member({ inRoom = true, camera }: { inRoom?: boolean; camera?: CameraDouble } = {}) {
  const link = new LinkDouble({ 'room:set-sending': () => ({}) });
  const errors: unknown[] = [];
  const part = new LocalMember({ link, inRoom: () => inRoom, onError: (e) => errors.push(e), ...(camera ? { camera } : {}) });
  const media = new MediaDouble();
  part.use(media);
  return { part, link, media, errors };
}

describe('LocalMember', () => {
  it('lets go of the camera when switched off, and sends again only once it has opened', async () => {
    const camera = new CameraDouble();
    const { part, link, media } = member({ camera });
    part.toggleCamera();
    expect(media.tracks.video).toBe(false);
    expect(camera.open).toBe(false);

    part.toggleCamera();
    expect(part.cameraOn).toBe(true);
    expect(part.cameraStarting).toBe(true);
    // Nothing is resumed on a track that is not there yet, and the server is not told yet.
    expect(media.tracks.video).toBe(false);
    expect(link.sent.map((s) => s.payload)).toEqual([{ audio: true, video: false }]);
    camera.opened();
    await Promise.resolve();
    expect(part.cameraStarting).toBe(false);
    expect(media.tracks.video).toBe(true);
    expect(link.sent.map((s) => s.payload).at(-1)).toEqual({ audio: true, video: true });
  });

  it('says so when the camera cannot be opened again, and leaves it off', async () => {
    const camera = new CameraDouble();
    const { part, media } = member({ camera });
    part.toggleCamera();
    part.toggleCamera();
    camera.failed();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(part.cameraOn).toBe(false);
    expect(part.cameraFailed).toBe(true);
    expect(media.tracks.video).toBe(false);
    part.toggleCamera();
    expect(part.cameraFailed).toBe(false);
  });

  it('lets go of the camera under the panic cover, and opens it again on the way back', () => {
    const camera = new CameraDouble();
    const { part } = member({ camera });
    part.hide();
    expect(camera.open).toBe(false);
    part.restore();
    expect(camera.calls).toEqual(['off', 'on']);
  });

  it('starting with the camera off lets go of it at once', () => {
    const camera = new CameraDouble();
    const { part } = member({ camera });
    part.releaseCameraIfOff();
    expect(camera.open).toBe(true);
    part.cameraOn = false;
    part.releaseCameraIfOff();
    expect(camera.open).toBe(false);
  });

  it('switches our tracks and tells the server, in the room', () => {
    const { part, link, media } = member();
    part.toggleMic();
    part.toggleCamera();
    expect(media.tracks).toEqual({ audio: false, video: false });
    expect(link.sent.map((s) => s.payload)).toEqual([
      { audio: false, video: true },
      { audio: false, video: false },
    ]);
  });

  it('tells the server nothing before the room, or while disconnected', () => {
    const lobby = member({ inRoom: false });
    lobby.part.toggleMic();
    expect(lobby.media.tracks.audio).toBe(false);
    expect(lobby.link.sent).toEqual([]);

    const offline = member();
    offline.link.connected = false;
    offline.part.toggleCamera();
    expect(offline.link.sent).toEqual([]);
  });

  it('hides everything at once, and brings back only what was on', () => {
    const { part, media } = member();
    part.toggleCamera();
    part.hide();
    expect(part.hidden).toBe(true);
    expect(media.tracks).toEqual({ audio: false, video: false });
    expect(part.sending).toEqual({ audio: false, video: false });
    part.restore();
    expect(part.hidden).toBe(false);
    expect(media.tracks).toEqual({ audio: true, video: false });
  });

  it("follows the host's mute without telling the server back, until we switch on again", () => {
    const { part, link, media } = member();
    part.moderated('mute');
    expect(part.micOn).toBe(false);
    expect(media.tracks.audio).toBe(false);
    expect(part.moderatedNotice).toBe('mute');
    expect(link.sent).toEqual([]);
    part.toggleMic();
    expect(part.moderatedNotice).toBeUndefined();
  });

  it('says all is held back once both tracks could not be encrypted', () => {
    const { part } = member();
    part.couldNotEncrypt('video');
    part.couldNotEncrypt('video');
    expect(part.notSending).toBe('video');
    part.couldNotEncrypt('audio');
    expect(part.notSending).toBe('all');
  });

  it('enters the room as we left it: switches and mode kept across a rejoin', async () => {
    const { part, media } = member();
    part.micOn = false;
    part.mediaMode = 'audio-only';
    const fresh = new MediaDouble();
    await part.entered('peer-1', fresh);
    expect(part.peerId).toBe('peer-1');
    expect(fresh.tracks).toEqual({ audio: false, video: true });
    expect(fresh.calls).toEqual(['mode:audio-only']);
    expect(media.calls).toEqual([]);
  });

  it('shows a refused mode change as an error, and keeps the chosen mode', async () => {
    const { part, media, errors } = member();
    media.modeFails = true;
    await part.setMediaMode('chat-only');
    expect(part.mediaMode).toBe('chat-only');
    expect(errors).toEqual([expect.objectContaining({ code: 'not_in_room' })]);
  });

  it('asks for another video layer only when the view changed', async () => {
    const { part, media } = member();
    await part.setVideoView(1280, true);
    await part.setVideoView(320, true);
    await part.setVideoView(320, true);
    await part.setVideoView(320, false);
    expect(media.calls).toEqual(['view:320:true', 'view:320:false']);
  });

  it('tells who has a tile each time that changes, and remembers it for the next video', async () => {
    const { part, media } = member();
    const shown = new Set(['peer-2', 'peer-3']);
    await part.setVideoView(320, true, shown);
    await part.setVideoView(320, true, shown);
    await part.setVideoView(320, true, new Set(['peer-4']));
    await part.setVideoView(320, true);
    expect(media.calls).toEqual(['view:320:true:peer-2,peer-3', 'view:320:true:peer-4', 'view:320:true']);
    await part.setVideoView(320, true, shown);
    expect(part.videoView).toEqual({ width: 320, visible: true, onScreen: shown });
  });
});
