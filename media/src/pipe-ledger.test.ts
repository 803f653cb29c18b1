import { describe, expect, it } from 'vitest';
import { PipeLedger } from './pipe-ledger.js';

/** A pipe that records its opening and closing (the real ones are tested against the worker in tests/integration). */
function recorder() {
  const log: string[] = [];
  const open = (name: string) => async () => {
    log.push(`open ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { close: () => log.push(`close ${name}`) };
  };
  return { log, open };
}

describe('pipe ledger', () => {
  it('opens a pipe once for holders arriving together and closes it when the last lets go', async () => {
    const ledger = new PipeLedger();
    const { log, open } = recorder();
    const [a, b] = await Promise.all([ledger.acquire('p>r', open('p>r')), ledger.acquire('p>r', open('p>r'))]);
    expect(log).toEqual(['open p>r']);
    a();
    a(); // a second release of the same hold changes nothing
    expect(log).toEqual(['open p>r']);
    expect(ledger.size).toBe(1);
    b();
    expect(log).toEqual(['open p>r', 'close p>r']);
    expect(ledger.size).toBe(0);
  });

  it('opens again after a close, and keeps keys apart', async () => {
    const ledger = new PipeLedger();
    const { log, open } = recorder();
    (await ledger.acquire('p>r', open('p>r')))();
    const other = await ledger.acquire('q>r', open('q>r'));
    (await ledger.acquire('p>r', open('p>r')))();
    expect(log).toEqual(['open p>r', 'close p>r', 'open q>r', 'open p>r', 'close p>r']);
    expect(ledger.has('q>r')).toBe(true);
    other();
    expect(ledger.size).toBe(0);
  });

  it('forgets a failed opening: its holders hear the failure and the next one tries again', async () => {
    const ledger = new PipeLedger();
    const failing = () => Promise.reject(new Error('router closed'));
    await expect(Promise.all([ledger.acquire('p>r', failing), ledger.acquire('p>r', failing)])).rejects.toThrow('router closed');
    await Promise.resolve();
    expect(ledger.size).toBe(0);
    const { log, open } = recorder();
    (await ledger.acquire('p>r', open('p>r')))();
    expect(log).toEqual(['open p>r', 'close p>r']);
  });

  it('drops a pipe whose link died: closed at once, a new one opens for the next holder, old releases touch only the old pipe', async () => {
    const ledger = new PipeLedger();
    const { log, open } = recorder();
    const oldHold = await ledger.acquire('p>r', open('p>r #1'));
    ledger.drop('p>r');
    expect(log).toEqual(['open p>r #1', 'close p>r #1']);
    expect(ledger.size).toBe(0);
    const newHold = await ledger.acquire('p>r', open('p>r #2'));
    oldHold();
    expect(ledger.has('p>r')).toBe(true);
    expect(log).toEqual(['open p>r #1', 'close p>r #1', 'open p>r #2', 'close p>r #1']);
    newHold();
    expect(log.at(-1)).toBe('close p>r #2');
    expect(ledger.size).toBe(0);
  });
});
