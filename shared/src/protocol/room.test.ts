import { describe, expect, it } from 'vitest';
import { mediaModeAllows, sharesScreenByDefault } from './room.js';

describe('mediaModeAllows', () => {
  it('lets audio through unless chat only, and video in full and receive-less only', () => {
    expect(mediaModeAllows('full')).toEqual({ audio: true, video: true });
    expect(mediaModeAllows('speaker-only')).toEqual({ audio: true, video: true });
    expect(mediaModeAllows('audio-only')).toEqual({ audio: true, video: false });
    expect(mediaModeAllows('chat-only')).toEqual({ audio: false, video: false });
  });
});

describe('sharesScreenByDefault', () => {
  it('lets both people of a 1:1 share, and in a circle only the facilitator', () => {
    expect(sharesScreenByDefault({ host: true, circle: false })).toBe(true);
    expect(sharesScreenByDefault({ host: false, circle: false })).toBe(true);
    expect(sharesScreenByDefault({ host: true, circle: true })).toBe(true);
    expect(sharesScreenByDefault({ host: false, circle: true })).toBe(false);
  });
});
