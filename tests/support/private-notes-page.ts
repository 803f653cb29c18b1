import type { Page } from 'playwright-core';

/** The demo counselor's way to one person's private notes: "Klien saya", then "Catatan pribadi" on their card. */
export async function openNotesOf(page: Page, clientName: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name: 'Klien saya', exact: true }).click();
  const entry = page.getByTestId('caseload-entry').filter({ hasText: clientName });
  await entry.getByTestId('caseload-notes').click();
  await page.getByTestId('notes-setup').or(page.getByTestId('notes-unlock')).or(page.getByTestId('notes-editor')).waitFor();
}

/** The first visit: a passphrase chosen twice and "I understand" ticked. */
export async function setUpNotes(page: Page, passphrase: string): Promise<void> {
  await page.getByTestId('notes-passphrase').fill(passphrase);
  await page.getByTestId('notes-passphrase-again').fill(passphrase);
  await page.getByTestId('notes-understood').check();
  await page.getByRole('button', { name: 'Buat dan buka catatan' }).click();
  // argon2id runs in the page: a few seconds on a shared machine.
  await page.getByTestId('notes-editor').waitFor({ timeout: 60_000 });
}

export async function unlockNotes(page: Page, passphrase: string): Promise<void> {
  await page.getByTestId('notes-passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Buka catatan' }).click();
}

export async function writeNote(page: Page, text: string): Promise<void> {
  await page.getByTestId('notes-draft').fill(text);
  await page.getByRole('button', { name: 'Simpan catatan' }).click();
  await page.getByTestId('note-text').filter({ hasText: text }).waitFor();
}
