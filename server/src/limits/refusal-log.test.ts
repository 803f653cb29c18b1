import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RefusalLog } from './refusal-log.js';

function capture(): { lines: Array<Record<string, unknown>>; log: pino.Logger } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: pino({ level: 'warn' }, sink) };
}

describe('RefusalLog', () => {
  it('writes one line per key and window, then says how many went unlogged', () => {
    const { lines, log } = capture();
    let now = 0;
    const refusals = new RefusalLog(log, 60_000, 100, () => now);
    for (let i = 0; i < 500; i++) refusals.refused('chat', { family: 'chat' }, 'refused');
    refusals.refused('commit', { family: 'commit' }, 'refused');
    expect(lines.map((l) => [l.family, l.unloggedSinceLastLine])).toEqual([
      ['chat', 0],
      ['commit', 0],
    ]);
    now = 60_000;
    refusals.refused('chat', { family: 'chat' }, 'refused');
    expect(lines.at(-1)).toMatchObject({ family: 'chat', unloggedSinceLastLine: 499 });
  });

  it('forgets the oldest keys rather than grow without end', () => {
    const { lines, log } = capture();
    const refusals = new RefusalLog(log, 60_000, 3, () => 0);
    for (const key of ['a', 'b', 'c', 'd']) refusals.refused(key, { key }, 'refused');
    // 'a' was forgotten to make room for 'd': its next refusal is a new line.
    refusals.refused('a', { key: 'a' }, 'refused');
    refusals.refused('d', { key: 'd' }, 'refused');
    expect(lines.map((l) => l.key)).toEqual(['a', 'b', 'c', 'd', 'a']);
  });
});
