import { describe, expect, it } from 'vitest';
import { SFrameError } from './sframe-error.js';
import { decodeSFrameHeader, UINT64_MAX } from './sframe-header.js';
import { deriveKeyMaterial } from './sframe-keys.js';
import {
  DEFAULT_EPOCH_BITS,
  mlsKid,
  parseMlsKid,
  SFRAME_MLS_BASE_KEY_LENGTH,
  SFRAME_MLS_EXPORTER_LABEL,
} from './sframe-mls.js';
import { SFrameContext } from './sframe.js';

function expectInvalid(action: () => unknown): void {
  expect(action).toThrow(SFrameError);
  try {
    action();
  } catch (error) {
    expect((error as SFrameError).code).toBe('invalid-argument');
  }
}

// Stand-ins for two MLS exporter outputs (one per epoch).
const EPOCH_5_BASE_KEY = new Uint8Array(SFRAME_MLS_BASE_KEY_LENGTH).fill(0x55);
const EPOCH_6_BASE_KEY = new Uint8Array(SFRAME_MLS_BASE_KEY_LENGTH).fill(0x66);
const EPOCH_21_BASE_KEY = new Uint8Array(SFRAME_MLS_BASE_KEY_LENGTH).fill(0x21);

describe('MLS KIDs (RFC 9605 §5.2)', () => {
  it('uses the exporter parameters of §5.2', () => {
    expect(SFRAME_MLS_EXPORTER_LABEL).toBe('SFrame 1.0 Base Key');
    expect(SFRAME_MLS_BASE_KEY_LENGTH).toBe(16);
    expect(DEFAULT_EPOCH_BITS).toBe(4);
  });

  it('matches the example KIDs of the specification (E = 4, S = 6)', () => {
    expect(mlsKid(3, 14)).toBe(0x3en);
    expect(mlsKid(7, 14)).toBe(0x7en);
    expect(mlsKid(20, 14)).toBe(0x14en);
    expect(mlsKid(3, 15)).toBe(0x3fn);
    expect(mlsKid(5, 15)).toBe(0x5fn);
    expect(mlsKid(33, 17)).toBe(0x211n);
    expect(mlsKid(51, 17)).toBe(0x331n);
    expect(mlsKid(2, 16, 4, { context: 2, senderBits: 6 })).toBe(0x820n);
    expect(mlsKid(2, 16, 4, { context: 3, senderBits: 6 })).toBe(0xc20n);
  });

  it('keeps only the low E bits of the epoch', () => {
    expect(mlsKid(1, 0)).toBe(mlsKid(1, 16));
    expect(mlsKid(1, 5n)).toBe(mlsKid(1, 21n));
    expect(mlsKid(1, UINT64_MAX)).toBe((1n << 4n) | 0xfn);
    expect(mlsKid(1, 5, 8)).toBe((1n << 8n) | 5n);
    expect(mlsKid(9, 12345, 0)).toBe(9n);
  });

  it('is undone by parseMlsKid', () => {
    for (const senderIndex of [0, 1, 2, 7, 63, 64, 1000, 65_535]) {
      for (const epoch of [0, 1, 15, 16, 17, 1_000_003]) {
        for (const epochBits of [1, 4, 8, 16]) {
          const kid = mlsKid(senderIndex, epoch, epochBits);
          expect(parseMlsKid(kid, epochBits)).toEqual({
            senderIndex,
            epochLowBits: epoch % 2 ** epochBits,
            context: 0,
          });
          const withContext = mlsKid(senderIndex, epoch, epochBits, { context: 5, senderBits: 16 });
          expect(parseMlsKid(withContext, epochBits, 16)).toEqual({
            senderIndex,
            epochLowBits: epoch % 2 ** epochBits,
            context: 5,
          });
        }
      }
    }
  });

  it('refuses what does not fit', () => {
    expectInvalid(() => mlsKid(-1, 0));
    expectInvalid(() => mlsKid(1.5, 0));
    expectInvalid(() => mlsKid(0, -1));
    expectInvalid(() => mlsKid(0, UINT64_MAX + 1n));
    expectInvalid(() => mlsKid(0, 0, 64));
    expectInvalid(() => mlsKid(64, 0, 4, { context: 0, senderBits: 6 }));
    expectInvalid(() => mlsKid(0, 0, 4, { context: 1, senderBits: 60 }));
    expectInvalid(() => mlsKid(Number.MAX_SAFE_INTEGER, 0, 16));
    expectInvalid(() => parseMlsKid(-1n));
    expectInvalid(() => parseMlsKid(UINT64_MAX, 4));
  });
});

describe('per-sender keys from one epoch base key', () => {
  it('differ between senders of the same epoch', async () => {
    const alice = await deriveKeyMaterial(mlsKid(1, 5), EPOCH_5_BASE_KEY, 'encrypt');
    const bob = await deriveKeyMaterial(mlsKid(2, 5), EPOCH_5_BASE_KEY, 'encrypt');
    expect(alice.salt).not.toEqual(bob.salt);

    // Same plaintext, same CTR: the ciphertexts differ, so the AEAD keys do too.
    const aliceContext = new SFrameContext();
    const bobContext = new SFrameContext();
    await aliceContext.addSendKey(mlsKid(1, 5), EPOCH_5_BASE_KEY);
    await bobContext.addSendKey(mlsKid(2, 5), EPOCH_5_BASE_KEY);
    const plaintext = new Uint8Array(32).fill(7);
    const fromAlice = await aliceContext.encrypt(mlsKid(1, 5), plaintext);
    const fromBob = await bobContext.encrypt(mlsKid(2, 5), plaintext);
    const body = (frame: Uint8Array) => frame.subarray(decodeSFrameHeader(frame).length);
    expect(body(fromAlice)).not.toEqual(body(fromBob));
  });

  it('differ between epochs, also when the KID repeats after 2^E epochs', async () => {
    const epoch5 = await deriveKeyMaterial(mlsKid(1, 5), EPOCH_5_BASE_KEY, 'encrypt');
    const epoch6 = await deriveKeyMaterial(mlsKid(1, 6), EPOCH_6_BASE_KEY, 'encrypt');
    const epoch21 = await deriveKeyMaterial(mlsKid(1, 21), EPOCH_21_BASE_KEY, 'encrypt');
    expect(mlsKid(1, 5)).toBe(mlsKid(1, 21));
    expect(epoch5.salt).not.toEqual(epoch6.salt);
    expect(epoch5.salt).not.toEqual(epoch21.salt);

    // A receiver on epoch 21 refuses a frame from epoch 5 that carries the same KID.
    const oldSender = new SFrameContext();
    await oldSender.addSendKey(mlsKid(1, 5), EPOCH_5_BASE_KEY);
    const staleFrame = await oldSender.encrypt(mlsKid(1, 5), new Uint8Array([1, 2, 3]));
    const receiver = new SFrameContext();
    await receiver.addReceiveKey(mlsKid(1, 21), EPOCH_21_BASE_KEY);
    const error: unknown = await receiver.decrypt(staleFrame).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SFrameError);
    expect((error as SFrameError).code).toBe('authentication-failed');
  });

  it('let a group exchange frames with one base key per epoch', async () => {
    const members = [0, 1, 2];
    const epoch = 5n;
    const contexts = await Promise.all(
      members.map(async (own) => {
        const context = new SFrameContext();
        for (const member of members) {
          if (member === own) await context.addSendKey(mlsKid(member, epoch), EPOCH_5_BASE_KEY);
          else await context.addReceiveKey(mlsKid(member, epoch), EPOCH_5_BASE_KEY);
        }
        return context;
      }),
    );
    for (const sender of members) {
      const frame = await contexts[sender]!.encrypt(mlsKid(sender, epoch), new Uint8Array([sender]));
      for (const receiver of members.filter((m) => m !== sender)) {
        const opened = await contexts[receiver]!.decrypt(frame);
        expect(parseMlsKid(opened.kid).senderIndex).toBe(sender);
        expect(opened.plaintext).toEqual(new Uint8Array([sender]));
      }
    }
  });
});
