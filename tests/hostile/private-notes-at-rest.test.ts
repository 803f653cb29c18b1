import { randomUUID } from 'node:crypto';
import { demoAccounts } from '@care/server';
import type { SealedNoteView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPassphraseCheck, openNote, unlockWithCheck } from '../../web/src/lib/notes/note-seal.js';
import { passphraseKeyFor } from '../../web/src/lib/sealed/passphrase-seal.js';
import { SealError } from '../../web/src/lib/sealed/seal-error.js';
import { sealedFromText } from '../../web/src/lib/sealed/sealed-text.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { collectionHaystacks, filesBelow, findLeaks, needleForms, redisHaystacks, redisValueHaystacks, type Haystack } from '../support/byte-search.js';
import { openNotesOf, setUpNotes, unlockNotes, writeNote } from '../support/private-notes-page.js';
import { createAccounts, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { programmeClient } from '../integration/programme/programme-app.js';

/*
 * What the server holds of a counselor's private notes, and what a server
 * (or anyone with its database, Redis or logs) can do with it: read nothing,
 * and not swap one note for another unnoticed. The notes are written by the
 * real page in Chromium; the "hostile server" is this test editing the
 * database as a compromised operator would.
 */
const [counselor, asn, admin] = demoAccounts;
const passphrase = 'hujan turun di atas genteng';
const canary = `Kanari catatan ${randomUUID()}`;
let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start({ LOG_LEVEL: 'debug' });
});
afterAll(async () => {
  await h?.close();
});

async function idOf(email: string): Promise<string> {
  const user = await h.t.platform.db.users.findOne({ email }).lean();
  if (!user) throw new Error(`no ${email}`);
  return user._id.toString();
}

async function rejectsToOpen(work: Promise<unknown>): Promise<void> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SealError);
  expect((error as SealError).code).toBe('cannot_open');
}

describe('private notes at rest, against the server itself', () => {
  it('canary: the text is nowhere on the server side (Redis, database, logs); its ciphertext is, and opens only with the passphrase', { timeout: 240_000 }, async () => {
    const t = h.t;
    const { page } = await h.signIn(counselor.email, counselor.password);
    await openNotesOf(page, asn.displayName);
    await setUpNotes(page, passphrase);
    await writeNote(page, canary);

    const counselorId = await idOf(counselor.email);
    const clientId = await idOf(asn.email);
    const stored = await t.platform.db.connection.collection('sealed_private_notes').find({ counselorId: new Types.ObjectId(counselorId) }).toArray();
    expect(stored).toHaveLength(1);
    const sealed = String(stored[0]!.sealedCiphertext);
    const noteId = String(stored[0]!.noteId);
    const check = await t.platform.db.connection.collection('sealed_note_passphrase_checks').findOne({ counselorId: new Types.ObjectId(counselorId) });
    const sealedCheck = String(check?.sealedCheck);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    const haystacks: Haystack[] = [{ label: 'server logs', bytes: Buffer.from(t.logs.join('')) }];
    haystacks.push(...(await redisHaystacks(t.platform.redis)), ...(await redisValueHaystacks(t.platform.redis)));
    const db = t.platform.db.connection.db;
    if (!db) throw new Error('no database handle');
    haystacks.push(...(await collectionHaystacks(db)));
    for (const dir of inject('databaseDirs')) haystacks.push(...filesBelow(dir));
    expect(t.logs.some((line) => line.includes('"level":20'))).toBe(true); // debug lines were written

    const text = new TextEncoder().encode(canary);
    expect(findLeaks([...needleForms('note text', text), ...needleForms('passphrase', new TextEncoder().encode(passphrase))], haystacks)).toEqual([]);
    // Positive control: the ciphertext itself is stored (the search finds what is there).
    const found = findLeaks([{ label: 'sealed note', needle: Buffer.from(sealed) }], haystacks);
    expect(found.some((hit) => hit.includes('collection sealed_private_notes'))).toBe(true);
    // No log line names the counselor or the person next to a note.
    for (const line of t.logs.filter((l) => l.includes('sealed private note'))) {
      expect(line).not.toContain(counselorId);
      expect(line).not.toContain(clientId);
      expect(line).not.toContain(noteId);
    }

    // What the server holds does not open without the passphrase (the salt and cost are in it; a guess is all it lacks) …
    await rejectsToOpen(unlockWithCheck(counselorId, 'hujan turun di atas genting', sealedCheck));
    const wrongKey = await passphraseKeyFor(sealedFromText(sealed), 'hujan turun di atas genting');
    await rejectsToOpen(openNote(wrongKey, { counselorId, clientId, noteId }, sealed));
    const freshKey = (await createPassphraseCheck(counselorId, passphrase)).key; // the right words under another salt
    await rejectsToOpen(openNote(freshKey, { counselorId, clientId, noteId }, sealed));
    // … and with it, it does: the needle was the note.
    const key = await unlockWithCheck(counselorId, passphrase, sealedCheck);
    expect((await openNote(key, { counselorId, clientId, noteId }, sealed)).text).toBe(canary);
  });

  it('a server swapping two notes\' ciphertexts, or moving one under another id: the page shows neither text and says they cannot be opened', { timeout: 240_000 }, async () => {
    const t = h.t;
    const { page } = await h.signIn(counselor.email, counselor.password);
    await openNotesOf(page, asn.displayName);
    await unlockNotes(page, passphrase);
    await page.getByTestId('notes-editor').waitFor({ timeout: 60_000 });
    const first = 'Catatan pertama: cemas soal mutasi.';
    const second = 'Catatan kedua: konflik dengan atasan mereda.';
    await writeNote(page, first);
    await writeNote(page, second);

    const counselorId = new Types.ObjectId(await idOf(counselor.email));
    const notes = t.platform.db.connection.collection('sealed_private_notes');
    const [a, b] = await notes.find({ counselorId }).sort({ storedAt: -1 }).limit(2).toArray();
    await notes.updateOne({ _id: a!._id }, { $set: { sealedCiphertext: b!.sealedCiphertext } });
    await notes.updateOne({ _id: b!._id }, { $set: { sealedCiphertext: a!.sealedCiphertext } });
    // And one moved under a new id (a "new" note the counselor never wrote).
    await notes.insertOne({ counselorId, clientId: a!.clientId, noteId: randomUUID(), sealedCiphertext: a!.sealedCiphertext, storedAt: new Date() });

    await page.reload();
    await unlockNotes(page, passphrase);
    await page.getByTestId('notes-unreadable-alert').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('note-unreadable').count()).toBe(3);
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).not.toContain(first);
    expect(body).not.toContain(second);
    // The notes the server did not touch still open (the canary of the first test).
    expect(await page.getByTestId('note-text').filter({ hasText: canary }).count()).toBe(1);
  });

  it('another counselor, the ASN and staff cannot read, list, replace or delete the notes (real sessions, as a patched app would call)', async () => {
    const t = h.t;
    const clientId = await idOf(asn.email);
    const before = await t.platform.db.connection.collection('sealed_private_notes').find({}).toArray();
    expect(before.length).toBeGreaterThan(0);
    const noteId = String(before[0]!.noteId);

    const [other] = (await createAccounts(t, 'counselor', 1, 'notes-other')) as [TestAccount];
    const theirs = programmeClient(t, other);
    for (const answer of [
      await theirs.get(`/notes/${clientId}`),
      await theirs.put(`/notes/${clientId}/${noteId}`, { sealedCiphertext: String(before[0]!.sealedCiphertext) }),
      await theirs.delete(`/notes/${clientId}/${noteId}`),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error?.code).toBe('not_found');
    }
    // Their own passphrase check is theirs: they see none, not the demo counselor's.
    expect((await theirs.get('/notes/check')).body.data).toEqual({ sealedCheck: null });

    // The ASN the notes are about, and an administrator, signed in through the real login page.
    for (const who of [asn, admin]) {
      const { page } = await h.signIn(who.email, who.password);
      const answers = await page.evaluate(
        async ({ clientId, noteId }) => {
          const csrf = ((await (await fetch('/api/auth/csrf')).json()) as { data: { token: string } }).data.token;
          const headers = { 'content-type': 'application/json', 'x-csrf-token': csrf };
          const list = await fetch(`/api/programme/notes/${clientId}`);
          const check = await fetch('/api/programme/notes/check');
          const put = await fetch(`/api/programme/notes/${clientId}/${noteId}`, { method: 'PUT', headers, body: JSON.stringify({ sealedCiphertext: 'QUFBQUFBQUFBQUFBQUFBQQ' }) });
          const del = await fetch(`/api/programme/notes/${clientId}/${noteId}`, { method: 'DELETE', headers, body: '{}' });
          return Promise.all([list, check, put, del].map(async (r) => ({ status: r.status, body: (await r.json()) as { ok: boolean; error?: { code: string } } })));
        },
        { clientId, noteId },
      );
      for (const answer of answers) {
        expect(answer.status).toBe(403);
        // An administrator may first be asked to enrol a second factor; either way, refused.
        expect(who.role === 'asn' ? ['forbidden'] : ['forbidden', 'totp_enrolment_required']).toContain(answer.body.error?.code);
      }
    }
    const after = await t.platform.db.connection.collection('sealed_private_notes').find({}).toArray();
    expect(after.map((n) => [n.noteId, n.sealedCiphertext])).toEqual(before.map((n) => [n.noteId, n.sealedCiphertext]));
    const listed = await programmeClient(t, other).get<SealedNoteView[]>(`/notes/${clientId}`);
    expect(listed.body.data).toBeUndefined();
  });
});
