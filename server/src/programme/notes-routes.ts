import { Empty, NoteClientParams, PrivateNoteParams, PutPassphraseCheckBody, PutSealedNoteBody } from '@care/shared';
import { Router } from 'express';
import { currentUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';
import type { PrivateNotes } from './notes.js';

/**
 * /api/programme/notes: a counselor's private notes as sealed ciphertext.
 * Mounted inside the programme router (signed in, administrators refused);
 * who may touch which note is decided in `PrivateNotes`.
 */
export function notesRoutes(notes: PrivateNotes): Router {
  const router = Router();

  router.get('/check', async (req, res) => {
    parseInput(Empty, req.query, 'passphrase check (takes no parameters)');
    res.json({ ok: true, data: await notes.passphraseCheck(currentUser(res)) });
  });

  router.put('/check', async (req, res) => {
    const body = parseInput(PutPassphraseCheckBody, req.body, 'passphrase check');
    res.status(201).json({ ok: true, data: await notes.setPassphraseCheck(currentUser(res), body) });
  });

  router.get('/:clientId', async (req, res) => {
    const { clientId } = parseInput(NoteClientParams, req.params, 'person id');
    parseInput(Empty, req.query, 'notes (takes no parameters)');
    res.json({ ok: true, data: await notes.list(currentUser(res), clientId) });
  });

  router.put('/:clientId/:noteId', async (req, res) => {
    const { clientId, noteId } = parseInput(PrivateNoteParams, req.params, 'note address');
    const body = parseInput(PutSealedNoteBody, req.body, 'sealed note');
    res.json({ ok: true, data: await notes.put(currentUser(res), clientId, noteId, body) });
  });

  router.delete('/:clientId/:noteId', async (req, res) => {
    const { clientId, noteId } = parseInput(PrivateNoteParams, req.params, 'note address');
    parseInput(Empty, req.body ?? {}, 'deletion (takes no body fields)');
    await notes.remove(currentUser(res), clientId, noteId);
    res.json({ ok: true, data: { noteId } });
  });

  return router;
}
