import type { AvailabilityView, MatchView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { counselorWithProfile } from './matching-app.js';
import { bookingClient, programmeClient } from './programme-app.js';

let t: TestPlatform;
let asn: TestAccount;
const named: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
  [asn] = (await createAccounts(t, 'asn', 1, 'match-asn')) as [TestAccount];
  const made = {
    idStressWoman: await counselorWithProfile(t, 'm-a', { languages: ['id', 'jv'], specialities: ['stres-kerja', 'keluarga'], gender: 'female' }),
    idStressWomanClosed: await counselorWithProfile(t, 'm-e', { languages: ['id'], specialities: ['stres-kerja'], gender: 'female', open: false }),
    idStressMan: await counselorWithProfile(t, 'm-b', { languages: ['id'], specialities: ['stres-kerja'], gender: 'male' }),
    idFamilyUnstated: await counselorWithProfile(t, 'm-d', { languages: ['id'], specialities: ['keluarga'], gender: null }),
    enStressWoman: await counselorWithProfile(t, 'm-c', { languages: ['en'], specialities: ['stres-kerja'], gender: 'female' }),
  };
  for (const [name, account] of Object.entries(made)) named[account.id] = name;
});
afterAll(async () => {
  await t?.close();
});

/** The ranked names of this test's counselors (the demo seed's counselors are in the list too). */
const ours = (view: MatchView | undefined) => (view?.counselors ?? []).filter((c) => named[c.id]).map((c) => named[c.id]);

describe('matching (real FerretDB and Redis)', () => {
  it('ranks by language, then speciality, then gender, then the soonest free time; each with their next free times', async () => {
    const answer = await programmeClient(t, asn).post<MatchView>('/match', { language: 'id', genderPreference: 'female', speciality: 'stres-kerja' });
    expect(answer.status).toBe(200);
    expect(ours(answer.body.data)).toEqual(['idStressWoman', 'idStressWomanClosed', 'idStressMan', 'idFamilyUnstated', 'enStressWoman']);
    const first = answer.body.data!.counselors.find((c) => named[c.id] === 'idStressWoman')!;
    expect(first.fits).toEqual({ language: true, gender: true, speciality: true });
    expect(first.gender).toBe('female');
    expect(first.nextSlots.length).toBe(3);
    expect(Date.parse(first.nextSlots[0]!.startsAt)).toBeGreaterThan(Date.now());
    const closed = answer.body.data!.counselors.find((c) => named[c.id] === 'idStressWomanClosed')!;
    expect(closed.nextSlots).toEqual([]);
    const unstated = answer.body.data!.counselors.find((c) => named[c.id] === 'idFamilyUnstated')!;
    expect(unstated).toMatchObject({ gender: null, fits: { language: true, gender: false, speciality: false } });
  });

  it('"any" gender and no speciality: every counselor in the language fits, ordered by the soonest free time', async () => {
    const answer = await programmeClient(t, asn).post<MatchView>('/match', { language: 'id', genderPreference: 'any' });
    expect(answer.status).toBe(200);
    const ranked = ours(answer.body.data);
    expect(ranked.slice(-2)).toEqual(['idStressWomanClosed', 'enStressWoman']);
    for (const c of answer.body.data!.counselors.filter((c) => named[c.id] && named[c.id] !== 'enStressWoman')) {
      expect(c.fits).toEqual({ language: true, gender: true, speciality: true });
    }
    const man = await programmeClient(t, asn).post<MatchView>('/match', { language: 'en', genderPreference: 'male', speciality: 'keluarga' });
    expect(ours(man.body.data)[0]).toBe('enStressWoman');
  });

  it('bad input: a typed 400; another role: 403; nothing else in the body (no topic, no urgency, no free text) is accepted', async () => {
    for (const body of [
      {},
      { language: 'id' },
      { language: 'xx', genderPreference: 'any' },
      { language: 'id', genderPreference: 'woman' },
      { language: 'id', genderPreference: 'any', speciality: 'my boss shouts at me' },
      { language: 'id', genderPreference: 'any', urgent: true },
      { language: 'id', genderPreference: 'any', topic: 'keluarga' },
      [],
      'id',
    ]) {
      const answer = await programmeClient(t, asn).post('/match', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_payload');
    }
    const [counselor] = (await createAccounts(t, 'counselor', 1, 'match-counselor')) as [TestAccount];
    const [admin] = (await createAccounts(t, 'admin', 1, 'match-admin')) as [TestAccount];
    for (const who of [counselor, admin]) {
      const answer = await programmeClient(t, who).post('/match', { language: 'id', genderPreference: 'any' });
      expect(answer.status).toBe(403);
      expect(answer.body.error?.code).toBe('forbidden');
    }
  });

  it('a counselor states their gender on their profile, or not; it is saved and shown', async () => {
    const counselor = await counselorWithProfile(t, 'm-self', { languages: ['su'], specialities: [], gender: 'male' });
    const view = await bookingClient(t, counselor).get<AvailabilityView>('/availability');
    expect(view.body.data?.gender).toBe('male');
    const bad = await bookingClient(t, counselor).put('/availability', { weekly: [], gender: 'other-text' });
    expect(bad.status).toBe(400);
    // Saving without it clears it: the profile is replaced as a whole, like languages and specialities.
    expect((await bookingClient(t, counselor).put('/availability', { weekly: [] })).status).toBe(200);
    expect((await bookingClient(t, counselor).get<AvailabilityView>('/availability')).body.data?.gender).toBeNull();
  });
});
