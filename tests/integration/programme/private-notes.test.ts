import { MAX_NOTES_PER_CLIENT, MAX_SEALED_NOTE_CHARS, type PassphraseCheckView, type SealedNoteView } from '@care/shared';
import { randomBytes, randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { counselorWithSlots, pastSession, programmeClient } from './programme-app.js';

/*
 * The notes routes hold what the browser sealed and never look inside: here
 * the "ciphertext" is random bytes, as opaque to the server as a real
 * envelope (tests/e2e/private-notes-ui seals real ones in Chromium).
 */
let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await t?.close();
});

const sealed = (bytes = 200) => randomBytes(bytes).toString('base64url');

async function pair(prefix: string) {
  const { counselor } = await counselorWithSlots(t, `${prefix}-counselor`);
  const [asn] = (await createAccounts(t, 'asn', 1, `${prefix}-asn`)) as [TestAccount];
  await pastSession(t, counselor, asn);
  return { counselor, asn };
}

describe('private notes as sealed ciphertext (real FerretDB and Redis)', () => {
  it('a counselor sets their passphrase check once, then writes, lists, replaces and deletes notes about a person on their caseload', async () => {
    const { counselor, asn } = await pair('pn-flow');
    const notes = programmeClient(t, counselor);
    expect((await notes.get<PassphraseCheckView>('/notes/check')).body.data).toEqual({ sealedCheck: null });
    const check = sealed(90);
    expect((await notes.put('/notes/check', { sealedCheck: check })).status).toBe(201);
    expect((await notes.get<PassphraseCheckView>('/notes/check')).body.data).toEqual({ sealedCheck: check });
    // Set once: a second check would strand the notes sealed under the first passphrase.
    const again = await notes.put('/notes/check', { sealedCheck: sealed(90) });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('already_exists');
    expect((await notes.get<PassphraseCheckView>('/notes/check')).body.data).toEqual({ sealedCheck: check });

    const first = randomUUID();
    const second = randomUUID();
    const one = sealed();
    const two = sealed(300);
    expect((await notes.put<SealedNoteView>(`/notes/${asn.id}/${first}`, { sealedCiphertext: one })).status).toBe(200);
    expect((await notes.put<SealedNoteView>(`/notes/${asn.id}/${second}`, { sealedCiphertext: two })).status).toBe(200);
    const listed = await notes.get<SealedNoteView[]>(`/notes/${asn.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data?.map((n) => [n.noteId, n.sealedCiphertext])).toEqual([
      [first, one],
      [second, two],
    ]);

    const replaced = sealed(120);
    expect((await notes.put(`/notes/${asn.id}/${first}`, { sealedCiphertext: replaced })).status).toBe(200);
    const after = await notes.get<SealedNoteView[]>(`/notes/${asn.id}`);
    expect(after.body.data?.find((n) => n.noteId === first)?.sealedCiphertext).toBe(replaced);
    expect(after.body.data).toHaveLength(2);

    expect((await notes.delete(`/notes/${asn.id}/${second}`)).status).toBe(200);
    expect((await notes.get<SealedNoteView[]>(`/notes/${asn.id}`)).body.data?.map((n) => n.noteId)).toEqual([first]);
    const gone = await notes.delete(`/notes/${asn.id}/${second}`);
    expect(gone.status, JSON.stringify(gone.body)).toBe(404);
    expect(gone.body.error?.code).toBe('not_found');

    // Stored as the sealed blob it came as, in a collection named for what it is.
    const stored = await t.platform.db.connection.collection('sealed_private_notes').findOne({ counselorId: new Types.ObjectId(counselor.id), noteId: first });
    expect(stored?.sealedCiphertext).toBe(replaced);
  });

  it('bad input: a typed 400 naming the problem, and nothing written', async () => {
    const { counselor, asn } = await pair('pn-bad');
    const notes = programmeClient(t, counselor);
    const noteId = randomUUID();
    const bodies: unknown[] = [
      {},
      { sealedCiphertext: '' },
      { sealedCiphertext: 'plain words, not base64!' },
      { sealedCiphertext: 'QUJDREVGR0hJSktMTU5P==' },
      { sealedCiphertext: 'QUJDREVGR0hJSktM+/+/' },
      { sealedCiphertext: sealed(9_003) }, // 12,000 base64 characters and more
      { sealedCiphertext: sealed(), text: 'the note in plain' },
      { sealedCiphertext: 42 },
    ];
    expect(sealed(9_003).length).toBeGreaterThan(MAX_SEALED_NOTE_CHARS);
    for (const body of bodies) {
      const answer = await notes.put(`/notes/${asn.id}/${noteId}`, body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_payload');
    }
    for (const path of [`/notes/${asn.id}/not-a-uuid`, `/notes/not-an-id/${noteId}`]) {
      const answer = await notes.put(path, { sealedCiphertext: sealed() });
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_payload');
    }
    expect((await notes.get(`/notes/${asn.id}?clientId=${asn.id}`)).status).toBe(400);
    const check = await notes.put('/notes/check', { sealedCheck: 'not base64 at all' });
    expect(check.status).toBe(400);
    expect(check.body.error?.code).toBe('invalid_payload');
    expect(await t.platform.db.connection.collection('sealed_private_notes').countDocuments({ counselorId: new Types.ObjectId(counselor.id) })).toBe(0);
    expect(await t.platform.db.connection.collection('sealed_note_passphrase_checks').countDocuments({ counselorId: new Types.ObjectId(counselor.id) })).toBe(0);
  });

  it('another counselor is refused, as "not found", for a person who is not on their caseload; the ASN and staff are forbidden', async () => {
    const { counselor, asn } = await pair('pn-other');
    const noteId = randomUUID();
    const original = sealed();
    expect((await programmeClient(t, counselor).put(`/notes/${asn.id}/${noteId}`, { sealedCiphertext: original })).status).toBe(200);

    const { counselor: other } = await counselorWithSlots(t, 'pn-other-second');
    const theirs = programmeClient(t, other);
    for (const answer of [
      await theirs.get(`/notes/${asn.id}`),
      await theirs.put(`/notes/${asn.id}/${noteId}`, { sealedCiphertext: sealed() }),
      await theirs.put(`/notes/${asn.id}/${randomUUID()}`, { sealedCiphertext: sealed() }),
      await theirs.delete(`/notes/${asn.id}/${noteId}`),
    ]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(404);
      expect(answer.body.error?.code).toBe('not_found');
    }
    const [admin] = (await createAccounts(t, 'admin', 1, 'pn-other-admin')) as [TestAccount];
    for (const who of [asn, admin]) {
      const client = programmeClient(t, who);
      for (const answer of [
        await client.get('/notes/check'),
        await client.get(`/notes/${asn.id}`),
        await client.put(`/notes/${asn.id}/${noteId}`, { sealedCiphertext: sealed() }),
        await client.delete(`/notes/${asn.id}/${noteId}`),
      ]) {
        expect(answer.status).toBe(403);
        expect(answer.body.error?.code).toBe('forbidden');
      }
    }
    const kept = await programmeClient(t, counselor).get<SealedNoteView[]>(`/notes/${asn.id}`);
    expect(kept.body.data?.map((n) => [n.noteId, n.sealedCiphertext])).toEqual([[noteId, original]]);
  });

  it(`at most ${MAX_NOTES_PER_CLIENT} notes per person; replacing one is still allowed at the cap`, async () => {
    const { counselor, asn } = await pair('pn-cap');
    const now = new Date();
    await t.platform.db.connection.collection('sealed_private_notes').insertMany(
      Array.from({ length: MAX_NOTES_PER_CLIENT }, () => ({
        counselorId: new Types.ObjectId(counselor.id),
        clientId: new Types.ObjectId(asn.id),
        noteId: randomUUID(),
        sealedCiphertext: sealed(32),
        storedAt: now,
      })),
    );
    const notes = programmeClient(t, counselor);
    const over = await notes.put(`/notes/${asn.id}/${randomUUID()}`, { sealedCiphertext: sealed() });
    expect(over.status).toBe(409);
    expect(over.body.error?.code).toBe('conflict');
    const listed = await notes.get<SealedNoteView[]>(`/notes/${asn.id}`);
    expect(listed.body.data).toHaveLength(MAX_NOTES_PER_CLIENT);
    const one = listed.body.data![0]!.noteId;
    expect((await notes.put(`/notes/${asn.id}/${one}`, { sealedCiphertext: sealed() })).status).toBe(200);
  });

  it('the collections hold ids, sealed blobs and times only', async () => {
    const fields = (name: string) => Object.keys(t.platform.db.connection.models[name]!.schema.paths).sort();
    expect(fields('SealedPrivateNote')).toEqual(['__v', '_id', 'clientId', 'counselorId', 'noteId', 'sealedCiphertext', 'storedAt']);
    expect(fields('SealedPassphraseCheck')).toEqual(['__v', '_id', 'counselorId', 'sealedCheck', 'storedAt']);
  });
});
