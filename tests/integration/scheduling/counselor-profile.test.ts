import type { AvailabilityView, CounselorSummary } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type SchedulingClient, type TestAccount } from './scheduling-app.js';

let t: TestPlatform;
let javanese: TestAccount;
let sundanese: TestAccount;
let unset: TestAccount;
let asAsn: SchedulingClient;

beforeAll(async () => {
  t = await startTestPlatform();
  [javanese, sundanese, unset] = (await createAccounts(t, 'counselor', 3, 'profile-counselor')) as [TestAccount, TestAccount, TestAccount];
  const [asn] = (await createAccounts(t, 'asn', 1, 'profile-asn')) as [TestAccount];
  asAsn = schedulingClient(t.url, asn.cookie);
});
afterAll(() => t?.close());

const ids = (list: CounselorSummary[] | undefined) => (list ?? []).map((c) => c.id).filter((id) => [javanese.id, sundanese.id, unset.id].includes(id)).sort();

describe('counselor profile: languages and specialities as codes', () => {
  it('is saved with the availability, repeats dropped, in the lists’ order, and read back', async () => {
    const saved = await schedulingClient(t.url, javanese.cookie).put<AvailabilityView>('/availability', {
      weekly: allWeek,
      languages: ['jv', 'id', 'jv'],
      specialities: ['duka', 'stres-kerja'],
    });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toMatchObject({ languages: ['id', 'jv'], specialities: ['stres-kerja', 'duka'] });
    expect((await schedulingClient(t.url, javanese.cookie).get<AvailabilityView>('/availability')).body.data).toMatchObject({
      languages: ['id', 'jv'],
      specialities: ['stres-kerja', 'duka'],
    });
    const other = await schedulingClient(t.url, sundanese.cookie).put('/availability', { weekly: allWeek, languages: ['su', 'id'], specialities: ['keluarga'] });
    expect(other.status).toBe(200);
    // A counselor who never saved has an empty profile.
    expect((await schedulingClient(t.url, unset.cookie).get<AvailabilityView>('/availability')).body.data).toMatchObject({ languages: [], specialities: [] });
  });

  it('refuses anything but the listed codes, free text included, and writes nothing', async () => {
    const asJavanese = schedulingClient(t.url, javanese.cookie);
    for (const body of [
      { weekly: allWeek, languages: ['klingon'] },
      { weekly: allWeek, specialities: ['my boss shouts at me'] },
      { weekly: allWeek, languages: 'jv' },
      { weekly: allWeek, profile: 'anything' },
    ]) {
      const answer = await asJavanese.put('/availability', body);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_payload');
    }
    expect((await asJavanese.get<AvailabilityView>('/availability')).body.data).toMatchObject({ languages: ['id', 'jv'], specialities: ['stres-kerja', 'duka'] });
  });

  it('shows ASN each counselor’s profile and filters by language and speciality on the server', async () => {
    const all = await asAsn.get<CounselorSummary[]>('/counselors');
    expect(ids(all.body.data)).toEqual([javanese.id, sundanese.id, unset.id].sort());
    expect(all.body.data?.find((c) => c.id === javanese.id)).toMatchObject({ languages: ['id', 'jv'], specialities: ['stres-kerja', 'duka'] });
    expect(all.body.data?.find((c) => c.id === unset.id)).toMatchObject({ languages: [], specialities: [] });

    // The filter goes in a POST body (never the URL).
    const search = async (filter: object) => ids((await asAsn.post<CounselorSummary[]>('/counselors/search', filter)).body.data);
    expect(await search({})).toEqual([javanese.id, sundanese.id, unset.id].sort());
    expect(await search({ language: 'id' })).toEqual([javanese.id, sundanese.id].sort());
    expect(await search({ language: 'jv' })).toEqual([javanese.id]);
    expect(await search({ speciality: 'keluarga' })).toEqual([sundanese.id]);
    expect(await search({ language: 'su', speciality: 'duka' })).toEqual([]);
    expect(await search({ language: 'jv', speciality: 'duka' })).toEqual([javanese.id]);
  });

  it('refuses an unknown filter or code, and any filter in the URL, with 400, and neither logs nor stores what was filtered by', async () => {
    for (const body of [{ language: 'xx' }, { speciality: 'anything' }, { topic: 'duka' }, { language: ['jv', 'su'] }, 'duka']) {
      const answer = await asAsn.post('/counselors/search', body);
      expect([body, answer.status, answer.body.error?.code]).toEqual([body, 400, 'invalid_payload']);
    }
    for (const query of ['language=jv', 'speciality=duka', 'topic=duka']) {
      const answer = await asAsn.get(`/counselors?${query}`);
      expect([query, answer.status, answer.body.error?.code]).toEqual([query, 400, 'invalid_payload']);
    }
    const marker = 'suasana-hati';
    expect((await asAsn.post('/counselors/search', { speciality: marker, language: 'bbc' })).status).toBe(200);
    expect(t.logs.join('\n')).not.toContain(marker);
    const collections = await t.platform.db.connection.db!.listCollections().toArray();
    for (const { name } of collections) {
      const found = await t.platform.db.connection.collection(name).find({}).toArray();
      expect([name, JSON.stringify(found).includes(marker)]).toEqual([name, false]);
    }
  });
});

describe('days off', () => {
  it('are stored sorted without repeats, and dates already past are dropped on save', async () => {
    const asUnset = schedulingClient(t.url, unset.cookie);
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
    const saved = await asUnset.put<AvailabilityView>('/availability', {
      timeZone: 'Asia/Jakarta',
      weekly: allWeek,
      exceptions: [day(9), day(-3), day(2), day(9), day(0)],
    });
    expect(saved.status).toBe(200);
    expect(saved.body.data?.exceptions).toEqual([day(0), day(2), day(9)]);
    expect((await asUnset.get<AvailabilityView>('/availability')).body.data?.exceptions).toEqual([day(0), day(2), day(9)]);
    const bad = await asUnset.put('/availability', { weekly: allWeek, exceptions: ['2026-02-30'] });
    expect([bad.status, bad.body.error?.code]).toEqual([400, 'invalid_payload']);
  });
});
