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

function member({ inRoom = true } = {}) {
  const link = new LinkDouble({ 'room:set-sending': () => ({}) });
  const errors: unknown[] = [];
  const part = new LocalMember({ link, inRoom: () => inRoom, onError: (e) => errors.push(e) });
  const media = new MediaDouble();
  part.use(media);
  return { part, link, media, errors };
}

describe('LocalMember', () => {
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
