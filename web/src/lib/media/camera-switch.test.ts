import { describe, expect, it } from 'vitest';
import { CameraSwitch, type CameraHolder } from './camera-switch.js';

/** A camera track as far as the switch goes: stopped or not. */
class TrackDouble {
  stopped = false;
  constructor(readonly name: string) {}
  stop(): void {
    this.stopped = true;
  }
}

class HolderDouble implements CameraHolder {
  readonly cameraDeviceId = 'front';
  held: TrackDouble | undefined = new TrackDouble('first');
  releases = 0;
  releaseCamera(): void {
    this.releases++;
    this.held?.stop();
    this.held = undefined;
  }
  async cameraBack(track: MediaStreamTrack): Promise<void> {
    this.held = track as unknown as TrackDouble;
  }
}

/** Opens cameras on demand; each call waits until the test lets it open (or fail). */
function opener() {
  const pending: Array<{ deviceId: string | undefined; open: () => TrackDouble; fail: (e: Error) => void }> = [];
  let made = 0;
  const open = (deviceId: string | undefined) =>
    new Promise<MediaStreamTrack>((resolve, reject) => {
      pending.push({
        deviceId,
        open: () => {
          const track = new TrackDouble(`opened-${++made}`);
          resolve(track as unknown as MediaStreamTrack);
          return track;
        },
        fail: reject,
      });
    });
  return { pending, open };
}

/** A switch over a held camera, switched off once (as each case starts). */
function switchedOff() {
  const holder = new HolderDouble();
  const first = holder.held;
  const { pending, open } = opener();
  const camera = new CameraSwitch(holder, open);
  camera.off();
  return { holder, first, pending, camera };
}

describe('CameraSwitch', () => {
  it('lets go of the device when off, and opens the same one again when on', async () => {
    const { holder, first, pending, camera } = switchedOff();
    expect(first?.stopped).toBe(true);
    expect(holder.held).toBeUndefined();

    const on = camera.on();
    expect(pending[0]?.deviceId).toBe('front');
    const opened = pending[0]?.open();
    expect(await on).toBe(true);
    expect(holder.held).toBe(opened);
    expect(opened?.stopped).toBe(false);
  });

  it('closes a camera that opens after it was switched off again: its light does not stay on', async () => {
    const { holder, pending, camera } = switchedOff();
    const on = camera.on();
    camera.off();
    const late = pending[0]?.open();
    expect(await on).toBe(false);
    expect(late?.stopped).toBe(true);
    expect(holder.held).toBeUndefined();
  });

  it('keeps only the latest of two quick switches on', async () => {
    const { holder, pending, camera } = switchedOff();
    const first = camera.on();
    camera.off();
    const second = camera.on();
    const secondTrack = pending[1]?.open();
    const firstTrack = pending[0]?.open();
    expect(await second).toBe(true);
    expect(await first).toBe(false);
    expect(firstTrack?.stopped).toBe(true);
    expect(holder.held).toBe(secondTrack);
  });

  it('says when the camera cannot be opened, unless switched off meanwhile', async () => {
    const { holder, pending, camera } = switchedOff();
    const failing = camera.on();
    pending[0]?.fail(new Error('NotReadableError'));
    await expect(failing).rejects.toThrow('NotReadableError');
    expect(holder.held).toBeUndefined();

    const stale = camera.on();
    camera.off();
    pending[1]?.fail(new Error('NotReadableError'));
    expect(await stale).toBe(false);
  });
});
