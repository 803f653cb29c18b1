import dgram from 'node:dgram';

/*
 * Synthetic media for bench:sfu, sent from Node to producers' plain
 * transports: a camera as VP8-typed RTP at a 720p-like rate and size (100
 * packets/s of 1,100 bytes, about 0.9 Mbit/s) and a microphone as Opus-typed
 * RTP (50 packets/s of 120 bytes). Every packet is a whole key frame as mediasoup
 * reads VP8 (payload descriptor with a picture id, key-frame header), so a
 * consumer forwards from its first packet, and no packet waits on RTCP.
 * The payload is filler: the SFU never decodes it (with E2EE on it could not).
 */
export const VIDEO_PT = 101;
export const AUDIO_PT = 100;
/** Packets a second of each kind. */
export const RATE = { video: 100, audio: 50 } as const;
const PAYLOAD_BYTES = { video: 1_100, audio: 120 } as const;

export type StreamKind = keyof typeof RATE;

export interface StreamTarget {
  kind: StreamKind;
  ssrc: number;
  /** The producer's plain transport port on loopback. */
  port: number;
}

/** Opus-typed RTP as a microphone sends it (20 ms frames); the SFU reads only the header. */
export const audioRtpParameters = (ssrc: number) => ({
  mid: 'a',
  codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PT, clockRate: 48_000, channels: 2, parameters: { usedtx: 1 }, rtcpFeedback: [] }],
  headerExtensions: [],
  encodings: [{ ssrc }],
  rtcp: { cname: `bench-${ssrc}`, reducedSize: true },
});

export const videoRtpParameters = (ssrc: number) => ({
  mid: 'v',
  codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PT, clockRate: 90_000, rtcpFeedback: [] }],
  headerExtensions: [],
  encodings: [{ ssrc }],
  rtcp: { cname: `bench-${ssrc}`, reducedSize: true },
});

function audioPacket(ssrc: number, seq: number): Buffer {
  const b = Buffer.alloc(12 + PAYLOAD_BYTES.audio, 0x5a);
  b[0] = 0x80;
  b[1] = AUDIO_PT;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 960) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  b[12] = 0xfc; // Opus TOC: a 20 ms frame
  return b;
}

function videoPacket(ssrc: number, seq: number, pictureId: number): Buffer {
  const b = Buffer.alloc(12 + PAYLOAD_BYTES.video, 0x5a);
  b[0] = 0x80;
  b[1] = 0x80 | VIDEO_PT; // marker: each packet ends its frame
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((pictureId * 3000) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  // VP8 payload descriptor: X and S set, I set, a 15-bit picture id.
  b[12] = 0x90;
  b[13] = 0x80;
  b.writeUInt16BE(0x8000 | (pictureId & 0x7fff), 14);
  // VP8 payload header: P = 0 (a key frame), show_frame, then the key frame start code and 1280×720.
  b[16] = 0x10;
  b[17] = 0;
  b[18] = 0;
  b[19] = 0x9d;
  b[20] = 0x01;
  b[21] = 0x2a;
  b.writeUInt16LE(1280, 22);
  b.writeUInt16LE(720, 24);
  return b;
}

/** Streams for several producers from one socket, paced in 10 ms ticks. */
export class RtpStreams {
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #seq = { video: 0, audio: 0 };

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly targets: StreamTarget[],
  ) {}

  static async open(targets: StreamTarget[]): Promise<RtpStreams> {
    const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 8 << 20 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RtpStreams(socket, targets);
  }

  /** Sends for `ms`; resolves with the packets each stream of a kind sent. */
  run(ms: number): Promise<Record<StreamKind, number>> {
    const started = Date.now();
    const total = Math.floor(ms / 10);
    const sent = { video: 0, audio: 0 };
    let ticks = 0;
    return new Promise((resolve) => {
      this.#timer = setInterval(() => {
        // Catch up on ticks a busy event loop missed, so the rate holds.
        const due = Math.min(Math.floor((Date.now() - started) / 10), total);
        for (; ticks < due; ticks++) {
          for (const kind of ['video', 'audio'] as const) {
            // RATE packets a second: one every 100/RATE ticks of 10 ms.
            if (ticks % (100 / RATE[kind]) !== 0) continue;
            const seq = ++this.#seq[kind];
            sent[kind]++;
            for (const target of this.targets) {
              if (target.kind !== kind) continue;
              this.socket.send(kind === 'video' ? videoPacket(target.ssrc, seq, seq) : audioPacket(target.ssrc, seq), target.port, '127.0.0.1');
            }
          }
        }
        if (ticks >= total) {
          clearInterval(this.#timer);
          resolve(sent);
        }
      }, 10);
    });
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.socket.close();
  }
}
