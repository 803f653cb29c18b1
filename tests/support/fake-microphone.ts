import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/*
 * WAV files for Chromium's fake microphone (`--use-file-for-fake-audio-capture`, looped). The default fake microphone
 * beeps for a moment twice a second and is silent between. With DTX that leaves a speaker's level fresh at the SFU only
 * now and then: the active-speaker observer looks every 300 ms and counts a voice unheard for 40 ms as silent, so
 * whether a beeping member is ever picked depends on how the beeps fall against its clock (a test waiting for it
 * passed or timed out by that phase alone). Longer sounds are heard at every look.
 */

const RATE = 48_000;

function writeWav(name: string, samples: Int16Array): string {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  const file = path.join(tmpdir(), `care-${name}-${process.pid}.wav`);
  writeFileSync(file, Buffer.concat([header, data]));
  return file;
}

/**
 * One second of continuous sound (a soft 440 Hz tone): with the default beeps a receiver could wait up to half a
 * second for a frame to decode, so a timing measured on audio would measure the beep instead.
 */
export function toneWav(): string {
  const samples = new Int16Array(RATE);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / RATE));
  return writeWav('tone', samples);
}

/**
 * Something like speech, looped every second: 600 ms of a voiced sound (a 150 Hz voice with its harmonics, rising and
 * falling four times, as syllables do) and 400 ms of silence. Loud enough and long enough for the active-speaker
 * observer to hear it at every look while it lasts, and varied enough that a variable-bitrate encoder's packet sizes
 * follow it, as they follow a voice.
 */
export function speechWav(): string {
  const samples = new Int16Array(RATE);
  const voiced = Math.round(0.6 * RATE);
  for (let i = 0; i < voiced; i++) {
    const t = i / RATE;
    const syllables = Math.sin(Math.PI * 4 * (t / 0.6)) ** 2;
    let voice = 0;
    for (let harmonic = 1; harmonic <= 6; harmonic++) voice += Math.sin(2 * Math.PI * 150 * harmonic * t) / harmonic;
    samples[i] = Math.round(9000 * (0.25 + 0.75 * syllables) * (voice / 2.45));
  }
  return writeWav('speech', samples);
}
