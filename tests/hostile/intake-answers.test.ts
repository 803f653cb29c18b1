import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { collectionHaystacks, findLeaks, redisHaystacks, redisValueHaystacks, type Haystack } from '../support/byte-search.js';
import { answerIntake, intakeScene } from '../support/intake-scene.js';

/*
 * An intake answer as a canary. What the intake asks says why someone seeks
 * help; the answers stay in the page, and only the match request (language,
 * gender preference, speciality) goes to the server in a POST body, where it
 * is used for one answer and dropped. Here the ASN picks answers no counselor
 * on this server offers (Banjar, grief; a man is on offer, so "male" is no canary), so any trace of them on the server
 * side — a log line at debug level, a Redis value, a database document — can
 * only have come from the request.
 */
const [, asn] = demoAccounts;
let h: BrowserHarness;
const socketTraffic: Haystack[] = [];

beforeAll(async () => {
  h = await BrowserHarness.start({ LOG_LEVEL: 'debug' });
  h.t.platform.io.engine.on('connection', (raw: { on(event: string, listener: (packet: { data?: unknown }) => void): void }) => {
    const record = (packet: { data?: unknown }) => {
      if (typeof packet.data === 'string' || packet.data instanceof Uint8Array) socketTraffic.push({ label: 'socket.io traffic', bytes: Buffer.from(packet.data) });
    };
    raw.on('packet', record);
    raw.on('packetCreate', record);
  });
  await intakeScene(h);
});
afterAll(async () => {
  await h?.close();
});

async function documentCounts(): Promise<Record<string, number>> {
  const db = h.t.platform.db.connection.db;
  if (!db) throw new Error('no database handle');
  const counts: Record<string, number> = {};
  for (const { name } of await db.listCollections().toArray()) counts[name] = await db.collection(name).countDocuments();
  return counts;
}

describe('intake answers against the server side', () => {
  it('only the match request leaves the page; it is neither logged (at debug), nor stored, nor kept in Redis; topic and urgency never leave', { timeout: 240_000 }, async () => {
    const t = h.t;
    const { page } = await h.signIn(asn.email, asn.password);
    const sent: Array<{ url: string; body: string }> = [];
    page.on('request', (request) => sent.push({ url: request.url(), body: request.postData() ?? '' }));
    const before = await documentCounts();

    await answerIntake(page, { language: 'Bahasa Banjar', gender: 'Laki-laki', topic: 'Duka dan kehilangan', urgency: 'Saya butuh bicara dengan seseorang secepatnya' });
    await page.getByTestId('intake-crisis').waitFor();

    // What left the page: one match request with exactly the three fields, in a body; nothing in any URL.
    const matches = sent.filter((r) => r.url.endsWith('/api/programme/match'));
    expect(matches).toHaveLength(1);
    expect(JSON.parse(matches[0]!.body)).toEqual({ language: 'bjn', genderPreference: 'male', speciality: 'duka' });
    for (const request of sent) {
      expect(request.url).not.toMatch(/bjn|duka|male|urgen|topic/i);
      expect(request.body).not.toMatch(/urgen|topic|"soon"|flexible/i);
    }

    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The server wrote debug lines while answering (the search looks where it should) …
    expect(t.logs.some((line) => line.includes('"level":20'))).toBe(true);
    const haystacks: Haystack[] = [{ label: 'server logs', bytes: Buffer.from(t.logs.join('')) }, ...socketTraffic];
    haystacks.push(...(await redisHaystacks(t.platform.redis)), ...(await redisValueHaystacks(t.platform.redis)));
    const db = t.platform.db.connection.db;
    if (!db) throw new Error('no database handle');
    haystacks.push(...(await collectionHaystacks(db)));
    // … and finds a stored profile code when one is there (positive control: the demo counselor's speciality).
    expect(findLeaks([{ label: 'stored speciality', needle: Buffer.from('stres-kerja') }], haystacks).some((hit) => hit.includes('collection availabilities'))).toBe(true);

    // The short codes as whole tokens: inside a random base64url token (a session's) "bjn" is no answer.
    const needles = ['bjn', 'duka', 'genderPreference', 'Banjar', 'Duka dan kehilangan'].map((n) => ({ label: `intake answer ${n}`, needle: Buffer.from(n), whole: n.length <= 4 }));
    expect(findLeaks(needles, haystacks), "intake answers on the server side").toEqual([]);
    // Nothing was written to the database by asking.
    expect(await documentCounts()).toEqual(before);
  });
});
