import { ResumeNotice, SequencedEnvelope, type ApplicationPayload } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { MessageSequence, OUTBOX_LINES, RESEND_LINES, streamOf, toRanges } from './message-sequence.js';

const line = (text: string): ApplicationPayload => ({ kind: 'chat', id: crypto.randomUUID(), text });
const texts = (envelopes: SequencedEnvelope[]) => envelopes.map((e) => (e.payload.kind === 'chat' ? e.payload.text : e.payload.kind));

/** Delivers everything `from` sends to `to`, as the relay would (both directions are separate calls). */
async function deliver(to: MessageSequence, envelopes: SequencedEnvelope[]): Promise<string[]> {
  const shown: string[] = [];
  for (const envelope of envelopes) {
    const payload = await to.receive(SequencedEnvelope.parse(envelope));
    if (payload?.kind === 'chat') shown.push(payload.text);
  }
  return shown;
}

describe('the ranges a page reports', () => {
  it('folds numbers into inclusive ranges, gaps kept', () => {
    expect(toRanges([5, 1, 2, 3, 7, 8, 10])).toEqual([
      [1, 3],
      [5, 5],
      [7, 8],
      [10, 10],
    ]);
    expect(toRanges([])).toEqual([]);
  });
});

describe('per-sender sequence numbers', () => {
  it('numbers each sender from 1 and shows a line sent twice only once', async () => {
    const sender = new MessageSequence();
    const reader = new MessageSequence();
    const first = await sender.seal(line('satu'));
    const second = await sender.seal(line('dua'));
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(first.stream).toBe(await sender.stream());
    expect(await deliver(reader, [first, second, first, second])).toEqual(['satu', 'dua']);
  });

  it('a page that comes back gets exactly what it missed, in order, once', async () => {
    const counselor = new MessageSequence();
    const client = new MessageSequence();
    // Both enter: each announces itself, and is answered by the page already there.
    const hello = await client.announce();
    const answered = await counselor.resume(ResumeNotice.parse(hello));
    expect(answered.resend).toEqual([]);
    expect(answered.answer).toBeDefined();
    expect((await client.resume(answered.answer!)).answer).toBeUndefined();

    expect(await deliver(client, [await counselor.seal(line('sebelum'))])).toEqual(['sebelum']);
    // The client's connection drops; three lines go out meanwhile (to nobody), one of them also arrives late.
    const missed = [await counselor.seal(line('satu')), await counselor.seal(line('dua')), await counselor.seal(line('tiga'))];
    expect(await deliver(client, [missed[1]!])).toEqual(['dua']);

    const back = ResumeNotice.parse(await client.announce());
    expect(back.proof).toBeDefined();
    expect(back.stream).not.toBe(hello.stream);
    expect(back.seen).toEqual([{ stream: await counselor.stream(), ranges: [[1, 1], [3, 3]] }]);
    const { resend } = await counselor.resume(back);
    expect(texts(resend)).toEqual(['satu', 'tiga']);
    expect(resend.every((e) => e.for === back.stream)).toBe(true);
    expect(await deliver(client, [...resend, ...resend])).toEqual(['satu', 'tiga']);
  });

  it('pages let in together, each hearing the other announce, do not answer each other', async () => {
    const first = new MessageSequence();
    const second = new MessageSequence();
    const fromFirst = ResumeNotice.parse(await first.announce());
    const fromSecond = ResumeNotice.parse(await second.announce());
    expect((await second.resume(fromFirst, { heardOurs: true })).answer).toBeUndefined();
    expect((await first.resume(fromSecond, { heardOurs: true })).answer).toBeUndefined();
    // Each still knows the other from its announcement: after a reconnect, what it missed is sent again.
    await first.seal(line('halo'));
    const back = ResumeNotice.parse(await second.announce());
    expect(texts((await first.resume(back, { heardOurs: true })).resend)).toEqual(['halo']);
  });

  it('someone who was never here gets nothing from before they came, and a spent proof opens nothing', async () => {
    const counselor = new MessageSequence();
    const client = new MessageSequence();
    await counselor.resume(ResumeNotice.parse(await client.announce()));
    await counselor.seal(line('rahasia'));
    const back = ResumeNotice.parse(await client.announce());
    expect(texts((await counselor.resume(back)).resend)).toEqual(['rahasia']);

    // A newcomer who saw that proof go by replays it, under its own stream: nothing.
    const newcomer = new MessageSequence();
    const replay = { ...back, stream: await newcomer.stream(), seen: [] };
    expect((await counselor.resume(replay)).resend).toEqual([]);
    // Nor does a made-up proof, nor a first announcement.
    expect((await counselor.resume({ kind: 'resume', stream: await newcomer.stream(), proof: 'ab'.repeat(16), seen: [] })).resend).toEqual([]);
    const stranger = new MessageSequence();
    expect((await counselor.resume(ResumeNotice.parse(await stranger.announce()))).resend).toEqual([]);
  });

  it('ignores lines sent again for another page', async () => {
    const counselor = new MessageSequence();
    const client = new MessageSequence();
    const other = new MessageSequence();
    await counselor.resume(ResumeNotice.parse(await client.announce()));
    await counselor.seal(line('untuk klien'));
    const { resend } = await counselor.resume(ResumeNotice.parse(await client.announce()));
    expect(resend).toHaveLength(1);
    expect(await deliver(other, resend)).toEqual([]);
    expect(await deliver(client, resend)).toEqual(['untuk klien']);
  });

  it('keeps a bounded outbox and sends at most RESEND_LINES again, the newest', async () => {
    const counselor = new MessageSequence();
    const client = new MessageSequence();
    await counselor.resume(ResumeNotice.parse(await client.announce()));
    for (let i = 1; i <= OUTBOX_LINES + 10; i += 1) await counselor.seal(line(`baris ${i}`));
    const { resend } = await counselor.resume(ResumeNotice.parse(await client.announce()));
    expect(resend).toHaveLength(RESEND_LINES);
    expect(texts(resend).at(-1)).toBe(`baris ${OUTBOX_LINES + 10}`);
    expect(resend.map((e) => e.seq)).toEqual([...resend.map((e) => e.seq)].sort((a, b) => a - b));
  });

  it('names a stream by a hash of its secret', async () => {
    expect(await streamOf('00'.repeat(16))).toMatch(/^[0-9a-f]{32}$/);
    expect(await streamOf('00'.repeat(16))).not.toBe(await streamOf('01'.repeat(16)));
  });
});
