import { describe, expect, it } from 'vitest';
import { mediaModeAllows } from './room.js';

describe('mediaModeAllows', () => {
  it('lets audio through unless chat only, and video in full and receive-less only', () => {
    expect(mediaModeAllows('full')).toEqual({ audio: true, video: true });
    expect(mediaModeAllows('speaker-only')).toEqual({ audio: true, video: true });
    expect(mediaModeAllows('audio-only')).toEqual({ audio: true, video: false });
    expect(mediaModeAllows('chat-only')).toEqual({ audio: false, video: false });
  });
});
