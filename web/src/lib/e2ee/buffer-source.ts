/**
 * WebCrypto's `BufferSource` (TypeScript's DOM lib) accepts views over an
 * `ArrayBuffer` only, while a plain `Uint8Array` may sit on a
 * `SharedArrayBuffer`. A view that already qualifies is passed through
 * untouched, to avoid copying every media frame; any other is copied once.
 */
export function toBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
