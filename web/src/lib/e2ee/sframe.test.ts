import { describe, expect, it } from 'vitest';
import { aes128GcmVectors } from './fixtures/rfc9605-vectors.js';
import { SFrameError, type SFrameErrorCode } from './sframe-error.js';
import { decodeSFrameHeader, encodeSFrameHeader, UINT64_MAX } from './sframe-header.js';
import {
  AEAD_NT,
  CIPHER_SUITE_AES_128_GCM_SHA256_128,
  deriveKeyMaterial,
  frameNonce,
  sframeKeyLabel,
  sframeSaltLabel,
} from './sframe-keys.js';
import { SFrameContext } from './sframe.js';

async function expectSFrameError(
  action: Promise<unknown>,
  codes: SFrameErrorCode | SFrameErrorCode[],
): Promise<SFrameError> {
  const error: unknown = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SFrameError);
  expect([codes].flat()).toContain((error as SFrameError).code);
  return error as SFrameError;
}

function flipped(bytes: Uint8Array, index: number): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

const KEY_A = new Uint8Array(16).fill(0xa1);
const KEY_B = new Uint8Array(16).fill(0xb2);

const vectors = aes128GcmVectors.filter((v) => v.cipherSuite === CIPHER_SUITE_AES_128_GCM_SHA256_128);

describe('RFC 9605 test vectors, AES_128_GCM_SHA256_128', () => {
  it('are present', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  for (const v of vectors) {
    describe(`KID ${v.kid}, CTR ${v.ctr}`, () => {
      it('builds the key and salt labels (§4.4.2)', () => {
        expect(sframeKeyLabel(v.kid)).toEqual(v.sframeKeyLabel);
        expect(sframeSaltLabel(v.kid)).toEqual(v.sframeSaltLabel);
      });

      it('derives the salt and the nonce (§4.4.2, §4.4.3)', async () => {
        const material = await deriveKeyMaterial(v.kid, v.baseKey, 'encrypt');
        expect(material.salt).toEqual(v.sframeSalt);
        expect(frameNonce(material.salt, v.ctr)).toEqual(v.nonce);
      });

      it('forms the AAD as header || metadata', () => {
        const header = encodeSFrameHeader(v.kid, v.ctr);
        expect(new Uint8Array([...header, ...v.metadata])).toEqual(v.aad);
      });

      it('encrypts to the exact ciphertext', async () => {
        const sender = new SFrameContext();
        await sender.addSendKey(v.kid, v.baseKey, { nextCounter: v.ctr });
        expect(await sender.encrypt(v.kid, v.pt, v.metadata)).toEqual(v.ct);
      });

      it('decrypts the ciphertext back', async () => {
        const receiver = new SFrameContext();
        await receiver.addReceiveKey(v.kid, v.baseKey);
        expect(await receiver.decrypt(v.ct, v.metadata)).toEqual({ kid: v.kid, ctr: v.ctr, plaintext: v.pt });
      });

      it('fails authentication when any byte of header, ciphertext or tag changes', async () => {
        const receiver = new SFrameContext();
        await receiver.addReceiveKey(v.kid, v.baseKey);
        const headerLength = decodeSFrameHeader(v.ct).length;
        for (let i = 0; i < v.ct.length; i++) {
          // A header byte may also turn the KID into one without a key or make the header invalid;
          // whatever the route, the frame must be refused.
          const codes: SFrameErrorCode[] =
            i < headerLength
              ? ['authentication-failed', 'unknown-kid', 'malformed-header', 'malformed-frame']
              : ['authentication-failed'];
          await expectSFrameError(receiver.decrypt(flipped(v.ct, i), v.metadata), codes);
        }
      });

      it('fails authentication when any byte of the metadata changes, or it is cut or missing', async () => {
        const receiver = new SFrameContext();
        await receiver.addReceiveKey(v.kid, v.baseKey);
        for (let i = 0; i < v.metadata.length; i++) {
          await expectSFrameError(receiver.decrypt(v.ct, flipped(v.metadata, i)), 'authentication-failed');
        }
        await expectSFrameError(receiver.decrypt(v.ct, v.metadata.subarray(1)), 'authentication-failed');
        await expectSFrameError(receiver.decrypt(v.ct, new Uint8Array([...v.metadata, 0])), 'authentication-failed');
        await expectSFrameError(receiver.decrypt(v.ct), 'authentication-failed');
      });

      it('fails authentication when the CTR in the header changes', async () => {
        const receiver = new SFrameContext();
        await receiver.addReceiveKey(v.kid, v.baseKey);
        const body = v.ct.subarray(decodeSFrameHeader(v.ct).length);
        const moved = new Uint8Array([...encodeSFrameHeader(v.kid, v.ctr + 1n), ...body]);
        await expectSFrameError(receiver.decrypt(moved, v.metadata), 'authentication-failed');
      });
    });
  }
});

describe('frameNonce (§4.4.3)', () => {
  /** The rule as written: the CTR as 8 big-endian bytes, XORed into the last 8 bytes of the salt. */
  function reference(salt: Uint8Array, ctr: bigint): Uint8Array {
    const nonce = new Uint8Array(salt);
    for (let i = 0; i < 8; i++) nonce[11 - i] = (nonce[11 - i] ?? 0) ^ Number((ctr >> BigInt(8 * i)) & 0xffn);
    return nonce;
  }

  it('XORs every counter, small or past 32 bits, into the salt as the RFC writes it', () => {
    const salt = new Uint8Array([0x75, 0x23, 0x4e, 0xde, 0xfe, 0x07, 0x81, 0x90, 0x26, 0x75, 0x18, 0x16]);
    const counters = [0n, 1n, 7n, 255n, 256n, 0xffffn, 0x10000n, 0xffffffffn, 0x100000000n, 0x1_0000_0005n, (1n << 40n) + 5n, (1n << 53n) + 1n, UINT64_MAX - 1n, UINT64_MAX];
    for (const ctr of counters) expect(frameNonce(salt, ctr), `CTR ${ctr}`).toEqual(reference(salt, ctr));
  });

  it('refuses a counter outside 64 bits', () => {
    expect(() => frameNonce(new Uint8Array(12), UINT64_MAX + 1n)).toThrow(SFrameError);
    expect(() => frameNonce(new Uint8Array(12), -1n)).toThrow(SFrameError);
  });
});

describe('SFrameContext', () => {
  it('puts the metadata in front in the same buffer when asked, the rest byte for byte the usual layout', async () => {
    const plain = new SFrameContext();
    const inFront = new SFrameContext();
    await plain.addSendKey(17n, KEY_A, { nextCounter: 300n });
    await inFront.addSendKey(17n, KEY_A, { nextCounter: 300n });
    const metadata = new Uint8Array([0x9d, 0x01, 0x2a]);
    const payload = new Uint8Array(1200).map((_, i) => i & 0xff);
    const sealed = await plain.encrypt(17n, payload, metadata);
    const sealedInFront = await inFront.encrypt(17n, payload, metadata, { metadataInFront: true });
    expect(sealedInFront).toEqual(new Uint8Array([...metadata, ...sealed]));

    const receiver = new SFrameContext();
    await receiver.addReceiveKey(17n, KEY_A);
    expect((await receiver.decrypt(sealed, metadata)).plaintext).toEqual(payload);
    const opened = await receiver.decrypt(sealedInFront.subarray(metadata.length), metadata, { metadataInFront: true });
    expect(opened.plaintext).toEqual(new Uint8Array([...metadata, ...payload]));
  });

  it('seals and opens metadata longer than the sealed frame, in either layout', async () => {
    const sender = new SFrameContext();
    const receiver = new SFrameContext();
    await sender.addSendKey(2n, KEY_A);
    await receiver.addReceiveKey(2n, KEY_A);
    const metadata = new Uint8Array(100).fill(0x5a);
    const sealed = await sender.encrypt(2n, new Uint8Array(0), metadata);
    expect(sealed.length).toBe(1 + AEAD_NT);
    expect((await receiver.decrypt(sealed, metadata)).plaintext).toEqual(new Uint8Array(0));
    const sealedInFront = await sender.encrypt(2n, new Uint8Array(0), metadata, { metadataInFront: true });
    expect(sealedInFront.subarray(0, 100)).toEqual(metadata);
    expect((await receiver.decrypt(sealedInFront.subarray(100), metadata, { metadataInFront: true })).plaintext).toEqual(metadata);
  });


  it('rejects a frame whose KID has no receive key, naming the KID', async () => {
    const sender = new SFrameContext();
    await sender.addSendKey(7n, KEY_A);
    const frame = await sender.encrypt(7n, new Uint8Array([1, 2, 3]));

    const stranger = new SFrameContext();
    await stranger.addReceiveKey(8n, KEY_A);
    const error = await expectSFrameError(stranger.decrypt(frame), 'unknown-kid');
    expect(error.kid).toBe(7n);

    // A send key does not decrypt: each key has one role (§4.4.1).
    await expectSFrameError(sender.decrypt(frame), 'unknown-kid');
  });

  it('refuses to encrypt under a KID without a send key', async () => {
    const context = new SFrameContext();
    await expectSFrameError(context.encrypt(1n, new Uint8Array(1)), 'unknown-kid');
    await context.addReceiveKey(1n, KEY_A);
    await expectSFrameError(context.encrypt(1n, new Uint8Array(1)), 'unknown-kid');
  });

  it('increases the counter by one per frame, from 0', async () => {
    const sender = new SFrameContext();
    const receiver = new SFrameContext();
    await sender.addSendKey(3n, KEY_A);
    await receiver.addReceiveKey(3n, KEY_A);
    for (let expected = 0n; expected < 20n; expected++) {
      const frame = await sender.encrypt(3n, new Uint8Array([Number(expected)]));
      expect(decodeSFrameHeader(frame).ctr).toBe(expected);
      const opened = await receiver.decrypt(frame);
      expect(opened.ctr).toBe(expected);
      expect(opened.plaintext).toEqual(new Uint8Array([Number(expected)]));
    }
  });

  it('gives concurrent encryptions distinct counters', async () => {
    const sender = new SFrameContext();
    await sender.addSendKey(3n, KEY_A);
    const frames = await Promise.all(Array.from({ length: 50 }, () => sender.encrypt(3n, new Uint8Array(8))));
    const counters = new Set(frames.map((f) => decodeSFrameHeader(f).ctr));
    expect(counters.size).toBe(50);
  });

  it('keeps a counter per KID', async () => {
    const sender = new SFrameContext();
    await sender.addSendKey(1n, KEY_A);
    await sender.addSendKey(2n, KEY_B);
    await sender.encrypt(1n, new Uint8Array(1));
    await sender.encrypt(1n, new Uint8Array(1));
    expect(decodeSFrameHeader(await sender.encrypt(2n, new Uint8Array(1))).ctr).toBe(0n);
    expect(decodeSFrameHeader(await sender.encrypt(1n, new Uint8Array(1))).ctr).toBe(2n);
  });

  it('uses the last 64-bit counter value and then refuses to wrap', async () => {
    const sender = new SFrameContext();
    const receiver = new SFrameContext();
    await sender.addSendKey(9n, KEY_A, { nextCounter: UINT64_MAX });
    await receiver.addReceiveKey(9n, KEY_A);
    const last = await sender.encrypt(9n, new Uint8Array([42]));
    expect((await receiver.decrypt(last)).ctr).toBe(UINT64_MAX);
    await expectSFrameError(sender.encrypt(9n, new Uint8Array([42])), 'counter-exhausted');
    await expectSFrameError(sender.encrypt(9n, new Uint8Array([42])), 'counter-exhausted');
  });

  it('refuses a send key it already used under the same KID, even after removal', async () => {
    const sender = new SFrameContext();
    await sender.addSendKey(4n, KEY_A);
    await expectSFrameError(sender.addSendKey(4n, KEY_A), 'key-reuse');
    sender.removeKey(4n);
    await expectSFrameError(sender.addSendKey(4n, KEY_A), 'key-reuse');
  });

  it('replaces a send key with a new base key and starts its counter again', async () => {
    const sender = new SFrameContext();
    const receiver = new SFrameContext();
    await sender.addSendKey(4n, KEY_A);
    await sender.encrypt(4n, new Uint8Array(1));
    await sender.addSendKey(4n, KEY_B);
    const frame = await sender.encrypt(4n, new Uint8Array([5]));
    expect(decodeSFrameHeader(frame).ctr).toBe(0n);
    await receiver.addReceiveKey(4n, KEY_B);
    expect((await receiver.decrypt(frame)).plaintext).toEqual(new Uint8Array([5]));
  });

  it('replaces a receive key, so frames of the old key no longer open', async () => {
    const oldSender = new SFrameContext();
    await oldSender.addSendKey(5n, KEY_A);
    const oldFrame = await oldSender.encrypt(5n, new Uint8Array([1]));
    const receiver = new SFrameContext();
    await receiver.addReceiveKey(5n, KEY_A);
    await receiver.addReceiveKey(5n, KEY_B);
    await expectSFrameError(receiver.decrypt(oldFrame), 'authentication-failed');
  });

  it('keeps a KID in one role', async () => {
    const context = new SFrameContext();
    await context.addSendKey(6n, KEY_A);
    await expectSFrameError(context.addReceiveKey(6n, KEY_B), 'key-conflict');
    expect(context.hasSendKey(6n)).toBe(true);
    await context.addReceiveKey(10n, KEY_B);
    await expectSFrameError(context.addSendKey(10n, KEY_A), 'key-conflict');
    expect(context.hasReceiveKey(10n)).toBe(true);
  });

  it('forgets removed keys, including one still being derived', async () => {
    const context = new SFrameContext();
    await context.addReceiveKey(1n, KEY_A);
    expect(context.removeKey(1n)).toBe(true);
    expect(context.removeKey(1n)).toBe(false);
    expect(context.hasReceiveKey(1n)).toBe(false);

    const adding = context.addReceiveKey(2n, KEY_A);
    context.removeKey(2n);
    await adding;
    expect(context.hasReceiveKey(2n)).toBe(false);
  });

  it('lets the later of two overlapping adds win', async () => {
    const sender = new SFrameContext();
    await sender.addSendKey(11n, KEY_B);
    const frame = await sender.encrypt(11n, new Uint8Array([1]));
    const receiver = new SFrameContext();
    await Promise.all([receiver.addReceiveKey(11n, KEY_A), receiver.addReceiveKey(11n, KEY_B)]);
    expect((await receiver.decrypt(frame)).plaintext).toEqual(new Uint8Array([1]));
  });

  it('refuses short base keys and out-of-range KIDs', async () => {
    const context = new SFrameContext();
    await expectSFrameError(context.addSendKey(1n, new Uint8Array(15)), 'invalid-argument');
    await expectSFrameError(context.addReceiveKey(-1n, KEY_A), 'invalid-argument');
    await expectSFrameError(context.addReceiveKey(UINT64_MAX + 1n, KEY_A), 'invalid-argument');
    await expectSFrameError(context.addSendKey(1n, KEY_A, { nextCounter: -1n }), 'invalid-argument');
  });

  it('derives non-extractable keys that work in one direction only', async () => {
    const send = await deriveKeyMaterial(1n, KEY_A, 'encrypt');
    expect(send.key.extractable).toBe(false);
    expect(send.key.usages).toEqual(['encrypt']);
    const receive = await deriveKeyMaterial(1n, KEY_A, 'decrypt');
    expect(receive.key.extractable).toBe(false);
    expect(receive.key.usages).toEqual(['decrypt']);
  });

  it('rejects a ciphertext shorter than the tag as malformed', async () => {
    const receiver = new SFrameContext();
    await receiver.addReceiveKey(1n, KEY_A);
    const frame = new Uint8Array([...encodeSFrameHeader(1n, 0n), ...new Uint8Array(AEAD_NT - 1)]);
    await expectSFrameError(receiver.decrypt(frame), 'malformed-frame');
  });

  it('encrypts an empty plaintext to a bare tag and back', async () => {
    const sender = new SFrameContext();
    const receiver = new SFrameContext();
    await sender.addSendKey(1n, KEY_A);
    await receiver.addReceiveKey(1n, KEY_A);
    const frame = await sender.encrypt(1n, new Uint8Array(0), new Uint8Array([9]));
    expect(frame.length).toBe(1 + AEAD_NT);
    expect((await receiver.decrypt(frame, new Uint8Array([9]))).plaintext).toEqual(new Uint8Array(0));
  });

  it('accepts input on a SharedArrayBuffer', async () => {
    const sender = new SFrameContext();
    const receiver = new SFrameContext();
    await sender.addSendKey(1n, KEY_A);
    await receiver.addReceiveKey(1n, KEY_A);
    const shared = new Uint8Array(new SharedArrayBuffer(4));
    shared.set([1, 2, 3, 4]);
    const frame = await sender.encrypt(1n, shared, shared.subarray(0, 2));
    const sharedFrame = new Uint8Array(new SharedArrayBuffer(frame.length));
    sharedFrame.set(frame);
    const opened = await receiver.decrypt(sharedFrame, shared.subarray(0, 2));
    expect(opened.plaintext).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('sanity: round-trips a burst of frames of many sizes, each to a different ciphertext', async () => {
    const sender = new SFrameContext();
    const receiver = new SFrameContext();
    await sender.addSendKey(21n, KEY_A);
    await receiver.addReceiveKey(21n, KEY_A);
    const sizes = [0, 1, 15, 16, 17, 160, 1200, 4096, 65_536, 250_000];
    const seen = new Set<string>();
    for (let round = 0; round < 20; round++) {
      for (const size of sizes) {
        const plaintext = new Uint8Array(size).map((_, i) => (i * 31 + round) & 0xff);
        const metadata = new Uint8Array([round, size & 0xff]);
        const frame = await sender.encrypt(21n, plaintext, metadata);
        expect(frame.length).toBe(decodeSFrameHeader(frame).length + size + AEAD_NT);
        const opened = await receiver.decrypt(frame, metadata);
        expect(opened.plaintext).toEqual(plaintext);
        seen.add(Array.from(frame.subarray(-AEAD_NT)).join(','));
      }
    }
    expect(seen.size).toBe(20 * sizes.length);
  });
});
