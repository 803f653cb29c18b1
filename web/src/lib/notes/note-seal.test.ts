import { MAX_SEALED_NOTE_CHARS, PutSealedNoteBody, SealedNoteCiphertext } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { SealError } from '../sealed/seal-error.js';
import { createPassphraseCheck, MAX_NOTE_CHARS, openNote, sealNote, unlockWithCheck } from './note-seal.js';

const counselorId = 'c0ffee0000000000000000aa';
const clientId = 'c0ffee0000000000000000bb';
const at = (noteId: string, client = clientId, counselor = counselorId) => ({ counselorId: counselor, clientId: client, noteId });
const one = '0e8a3f0c-5d2b-4c8e-9f1a-111111111111';
const two = '0e8a3f0c-5d2b-4c8e-9f1a-222222222222';

async function rejects(work: Promise<unknown>, code: SealError['code']): Promise<void> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SealError);
  expect((error as SealError).code).toBe(code);
}

describe('private note sealing (argon2id key, AES-GCM, counselor + person + note as associated data)', { timeout: 60_000 }, () => {
  it('unlocks with the right passphrase, refuses a wrong one at unlock, and opens only each note at its own place', async () => {
    const { key, sealedCheck } = await createPassphraseCheck(counselorId, 'kebun teh di lereng gunung');
    expect(SealedNoteCiphertext.safeParse(sealedCheck).success).toBe(true);
    await rejects(unlockWithCheck(counselorId, 'kebun teh di lereng gunung!', sealedCheck), 'cannot_open');
    // The check is bound to its counselor: another counselor's page cannot be handed it.
    await rejects(unlockWithCheck('c0ffee0000000000000000cc', 'kebun teh di lereng gunung', sealedCheck), 'cannot_open');
    const unlocked = await unlockWithCheck(counselorId, 'kebun teh di lereng gunung', sealedCheck);

    const note = { text: 'Klien cemas menjelang evaluasi kinerja; rencana: latihan napas.', writtenAt: '2026-12-05T03:00:00.000Z' };
    const sealedOne = await sealNote(key, at(one), note);
    expect(PutSealedNoteBody.safeParse({ sealedCiphertext: sealedOne }).success).toBe(true);
    expect(sealedOne).not.toContain('cemas');
    expect(await openNote(unlocked, at(one), sealedOne)).toEqual(note);

    // A server swapping ciphertexts: under another note id, person or counselor it does not open.
    await rejects(openNote(unlocked, at(two), sealedOne), 'cannot_open');
    await rejects(openNote(unlocked, at(one, 'c0ffee0000000000000000dd'), sealedOne), 'cannot_open');
    await rejects(openNote(unlocked, at(one, clientId, 'c0ffee0000000000000000cc'), sealedOne), 'cannot_open');
    // One flipped character of the ciphertext.
    const flipped = sealedOne.slice(0, -5) + (sealedOne.at(-5) === 'A' ? 'B' : 'A') + sealedOne.slice(-4);
    await rejects(openNote(unlocked, at(one), flipped), 'cannot_open');
    // Under another passphrase's key (a fresh salt): refused before any decryption.
    const other = await createPassphraseCheck(counselorId, 'another passphrase entirely');
    await rejects(openNote(other.key, at(one), sealedOne), 'cannot_open');
  });

  it('the longest note fits the server bound; an empty or over-long one is refused before sealing', async () => {
    const { key } = await createPassphraseCheck(counselorId, 'kebun teh di lereng gunung');
    const longest = await sealNote(key, at(one), { text: 'é'.repeat(MAX_NOTE_CHARS), writtenAt: '2026-12-05T03:00:00.000Z' });
    expect(longest.length).toBeLessThanOrEqual(MAX_SEALED_NOTE_CHARS);
    await expect(sealNote(key, at(one), { text: '', writtenAt: '2026-12-05T03:00:00.000Z' })).rejects.toThrow();
    await expect(sealNote(key, at(one), { text: 'x'.repeat(MAX_NOTE_CHARS + 1), writtenAt: '2026-12-05T03:00:00.000Z' })).rejects.toThrow();
  });
});
