import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A WAV file of continuous sound (a soft 440 Hz tone) for Chromium's fake
 * microphone (`--use-file-for-fake-audio-capture`). The default fake
 * microphone beeps twice a second and is silent between, so with DTX a
 * receiver could wait up to half a second for a frame to decode: a timing
 * measured on audio would measure the beep instead.
 */
export function toneWav(): string {
  const rate = 48_000;
  const samples = rate; // one second, looped by Chromium
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  const file = path.join(tmpdir(), `care-bench-tone-${process.pid}.wav`);
  writeFileSync(file, Buffer.concat([header, data]));
  return file;
}
