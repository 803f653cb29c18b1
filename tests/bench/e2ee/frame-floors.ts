import type { EncodedFrame } from './encoded-frame.js';
import type { Direction } from './frame-bench-protocol.js';

/**
 * The floors, built here: what every frame transform pays whatever it does.
 * They move frames the cheapest way known (read, change, write: no
 * TransformStream in between), so a worker under test is measured against
 * the least its work could cost; the `pipe` floor moves them through a
 * TransformStream instead, to show what that structure costs.
 */
export function floorStep(direction: Direction, key: CryptoKey | undefined): (frame: EncodedFrame) => Promise<void> {
  const ivLength = 12;
  let counter = 0;
  return async (frame) => {
    const bytes = new Uint8Array(frame.data);
    if (!key) {
      // Read the frame, write a copy back: streams and frame objects alone.
      const out = new Uint8Array(bytes.length);
      out.set(bytes);
      frame.data = out.buffer;
      return;
    }
    // One AES-GCM call over everything after the codec's clear bytes, those bytes as AAD, the IV sent along, one copy.
    const clear = 'type' in frame ? (frame.type === 'key' ? 10 : 3) : 1;
    const prefix = bytes.subarray(0, clear);
    if (direction === 'encrypt') {
      const iv = new Uint8Array(ivLength);
      new DataView(iv.buffer).setUint32(ivLength - 4, counter++);
      const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: prefix }, key, bytes.subarray(clear)));
      const out = new Uint8Array(clear + sealed.length + ivLength);
      out.set(prefix);
      out.set(sealed, clear);
      out.set(iv, clear + sealed.length);
      frame.data = out.buffer;
    } else {
      const iv = bytes.subarray(bytes.length - ivLength);
      const opened = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: prefix }, key, bytes.subarray(clear, bytes.length - ivLength)));
      const out = new Uint8Array(clear + opened.length);
      out.set(prefix);
      out.set(opened, clear);
      frame.data = out.buffer;
    }
  };
}

/** Moves frames the way our frame worker does: read one, change it, write it. */
export async function floorPump(readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>, step: (frame: EncodedFrame) => Promise<void>): Promise<void> {
  const reader = readable.getReader();
  const writer = writable.getWriter();
  for (;;) {
    await writer.ready;
    const { value: frame } = await reader.read();
    if (frame === undefined) return;
    await step(frame);
    void writer.write(frame);
  }
}

/** Moves frames the way LiveKit's worker (and ours before) did: piped through a TransformStream. */
export async function floorPipe(readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>, step: (frame: EncodedFrame) => Promise<void>): Promise<void> {
  await readable
    .pipeThrough(
      new TransformStream<EncodedFrame, EncodedFrame>({
        async transform(frame, controller) {
          await step(frame);
          controller.enqueue(frame);
        },
      }),
    )
    .pipeTo(writable);
}
