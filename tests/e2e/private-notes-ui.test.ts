import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { openNotesOf, setUpNotes, unlockNotes, writeNote } from '../support/private-notes-page.js';
import { seriousViolations } from '../support/session-flow.js';

const [counselor, asn] = demoAccounts;
let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start();
});
afterAll(async () => {
  await h?.close();
});

describe('private notes in Chromium (Indonesian)', () => {
  it('the counselor sets a notes passphrase, writes a note, reloads, is refused a wrong passphrase and reads the note with the right one', { timeout: 240_000 }, async () => {
    const { page } = await h.signIn(counselor.email, counselor.password);
    await openNotesOf(page, asn.displayName);
    expect(await page.getByTestId('notes-client').textContent()).toContain(asn.displayName);
    // The page says plainly that a forgotten passphrase loses the notes.
    expect(await page.getByTestId('notes-warning').textContent()).toContain('Jika Anda lupa kata sandi catatan, semua catatan hilang');
    expect(await seriousViolations(page)).toEqual([]);

    // The two entries must agree, and "I understand" must be ticked, before anything is made.
    await page.getByTestId('notes-passphrase').fill('teh manis di sore hari');
    await page.getByTestId('notes-passphrase-again').fill('teh manis di sore hari');
    await page.getByRole('button', { name: 'Buat dan buka catatan' }).click();
    await page.getByTestId('notes-error').filter({ hasText: 'Centang dulu' }).waitFor();
    await setUpNotes(page, 'teh manis di sore hari');

    const note = 'Sesi 2: tidur membaik; lanjutkan jurnal harian dan jalan pagi.';
    await writeNote(page, note);
    expect(await page.getByTestId('notes-notice').textContent()).toContain('Catatan disimpan');
    expect(await seriousViolations(page)).toEqual([]);

    // A reload forgets the key: the notes are locked again.
    await page.reload();
    await page.getByTestId('notes-unlock').waitFor();
    expect(await page.getByTestId('note-text').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    await unlockNotes(page, 'teh manis di pagi hari');
    await page.getByTestId('notes-unlock-error').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('notes-unlock-error').textContent()).toContain('Kata sandi catatan salah');
    expect(await page.getByTestId('note-text').count()).toBe(0);
    await page.getByTestId('notes-unlock').waitFor();

    await unlockNotes(page, 'teh manis di sore hari');
    await page.getByTestId('note-text').filter({ hasText: note }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('notes-unlock-error').count()).toBe(0);

    // Edit and delete, as a counselor would.
    await page.getByRole('button', { name: 'Ubah', exact: true }).click();
    await writeNote(page, `${note} Tambahan: rujuk ke dokter bila perlu.`);
    expect(await page.getByTestId('note').count()).toBe(1);
    await page.getByRole('button', { name: 'Hapus', exact: true }).click();
    await page.getByTestId('notes-empty').waitFor();
  });
});
