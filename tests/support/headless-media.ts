import dgram from 'node:dgram';
import type { Room } from '@care/media';
import type { Page } from 'playwright-core';
import { encryptFrame, type MediaCodec } from '../../web/src/lib/e2ee/media-frame.js';
import { mlsKid } from '../../web/src/lib/e2ee/sframe-mls.js';
import { SFrameContext } from '../../web/src/lib/e2ee/sframe.js';
import type { ProtocolPeer } from './protocol-peer.js';

/*
 * Media for a headless participant: real VP8 (160×120) and Opus frames,
 * sealed with SFrame under the participant's own MLS epoch key and KID
 * (leaf << 4 | epoch), exactly as the browser's frame worker seals them,
 * then sent as RTP. Node has no WebRTC stack here, so the packets enter the
 * SFU through a plain RTP transport on the room's router that the test
 * registers as the participant's send transport; the participant then asks
 * for its producers over its own socket (`room:produce`), so the SFU and the
 * pages treat them like any other member's. Only the ingress (UDP instead
 * of ICE/DTLS/SRTP) differs from a browser's.
 */

/** A short clip encoded once by Chromium's own encoders (WebCodecs), looped by every headless sender. */
export interface EncodedClip {
  /** 30 frames at 15 fps, a key frame every 15: the loop always restarts on a key frame. */
  video: Uint8Array[];
  /**
   * 1.2 s of Opus in 60-millisecond frames (a packet time phones use too): a headless member sends one audio frame per
   * 60 ms tick, a third of the packets 20-ms frames would take, and a video frame every other tick, for its own process
   * and for the pages that open them (seventeen members or more on two cores).
   */
  audio: Uint8Array[];
}

export async function recordClip(page: Page): Promise<EncodedClip> {
  const clip = await page.evaluate(async () => {
    const width = 160;
    const height = 120;
    const video: number[][] = [];
    const audio: number[][] = [];
    const keep = (into: number[][]) => (chunk: EncodedVideoChunk | EncodedAudioChunk) => {
      const bytes = new Uint8Array(chunk.byteLength);
      chunk.copyTo(bytes);
      into.push(Array.from(bytes));
    };
    const videoEncoder = new VideoEncoder({ output: keep(video), error: (e) => console.error(e) });
    videoEncoder.configure({ codec: 'vp8', width, height, bitrate: 120_000, framerate: 15 });
    const canvas = new OffscreenCanvas(width, height);
    const draw = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
    for (let i = 0; i < 30; i++) {
      draw.fillStyle = `hsl(${i * 12}, 60%, 45%)`;
      draw.fillRect(0, 0, width, height);
      draw.fillStyle = '#fff';
      draw.fillRect((i * 5) % width, 40, 24, 40);
      const frame = new VideoFrame(canvas, { timestamp: Math.round((i * 1e6) / 15) });
      videoEncoder.encode(frame, { keyFrame: i % 15 === 0 });
      frame.close();
    }
    await videoEncoder.flush();
    const audioEncoder = new AudioEncoder({ output: keep(audio), error: (e) => console.error(e) });
    audioEncoder.configure({ codec: 'opus', sampleRate: 48_000, numberOfChannels: 1, bitrate: 32_000, opus: { frameDuration: 60_000 } });
    for (let k = 0; k < 60; k++) {
      const data = new Float32Array(960);
      for (let j = 0; j < 960; j++) data[j] = 0.2 * Math.sin((2 * Math.PI * 330 * (k * 960 + j)) / 48_000);
      const piece = new AudioData({ format: 'f32', sampleRate: 48_000, numberOfFrames: 960, numberOfChannels: 1, timestamp: k * 20_000, data });
      audioEncoder.encode(piece);
      piece.close();
    }
    await audioEncoder.flush();
    return { video, audio };
  });
  return { video: clip.video.map((f) => new Uint8Array(f)), audio: clip.audio.map((f) => new Uint8Array(f)) };
}

const AUDIO_PT = 111;
const VIDEO_PT = 96;
const MAX_VP8_PAYLOAD = 1100;
/** One audio frame (60 ms of Opus) per tick, and a video frame every other tick (about 8 a second). */
const TICK_MS = 60;
const VIDEO_EVERY_TICKS = 2;

function rtpPacket(payloadType: number, sequence: number, timestamp: number, ssrc: number, marker: boolean, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (marker ? 0x80 : 0) | payloadType;
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([header, payload]);
}

/** One headless participant's camera and microphone, sealed and sent. */
export class HeadlessMedia {
  #timer: ReturnType<typeof setInterval> | undefined;
  #context: { epoch: bigint; kid: bigint; sframe: SFrameContext } | undefined;
  #sequence = { audio: 0, video: 0 };
  #tick = 0;
  /** Frames this sender sealed and sent. */
  sent = 0;

  private constructor(
    private readonly peer: ProtocolPeer,
    private readonly socket: dgram.Socket,
    private readonly target: { ip: string; port: number },
    private readonly ssrc: { audio: number; video: number },
  ) {}

  /**
   * Gives the (joined, ready) participant a plain send transport on its
   * room's router and produces its microphone and camera on it through the
   * participant's own requests.
   */
  static async attach(room: Room, peer: ProtocolPeer, ssrcBase: number): Promise<HeadlessMedia> {
    const peerId = peer.joined?.peerId;
    if (!peerId) throw new Error('join the room first');
    // On the participant's own router (a room spanning workers places participants on several).
    const router = room.mediaRouterOf(peerId) ?? room.mediaRouter;
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true, appData: { direction: 'send' } });
    // Registered where the participant's own transports live, so its `room:produce` finds it.
    room.peer(peerId).transports.set(transport.id, transport as never);
    transport.observer.on('close', () => room.peer(peerId).transports.delete(transport.id));
    return HeadlessMedia.#produce(peer, ssrcBase, { transportId: transport.id, ip: transport.tuple.localAddress ?? '127.0.0.1', port: transport.tuple.localPort }, '127.0.0.1');
  }

  /**
   * The same on a media node (CARE_ROLE=signal): the node, started with
   * MEDIA_TEST_PLAIN_INGRESS, opens the plain transport at the signal node's
   * request (RemoteRoomMedia.plainSend) on the participant's own node.
   */
  static async attachRemote(room: { plainSend(peerId: string): Promise<{ transportId: string; ip: string; port: number }> }, peer: ProtocolPeer, ssrcBase: number): Promise<HeadlessMedia> {
    const peerId = peer.joined?.peerId;
    if (!peerId) throw new Error('join the room first');
    return HeadlessMedia.#produce(peer, ssrcBase, await room.plainSend(peerId), '0.0.0.0');
  }

  /** Produces the participant's microphone and camera on the plain transport through its own requests; the sender sends there from `bindIp`. */
  static async #produce(peer: ProtocolPeer, ssrcBase: number, target: { transportId: string; ip: string; port: number }, bindIp: string): Promise<HeadlessMedia> {
    const ssrc = { audio: ssrcBase, video: ssrcBase + 10 };
    const audio = await peer.request('room:produce', {
      transportId: target.transportId,
      kind: 'audio',
      rtpParameters: {
        mid: '0',
        codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PT, clockRate: 48_000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }],
        headerExtensions: [],
        encodings: [{ ssrc: ssrc.audio }],
        rtcp: { cname: `headless-${ssrcBase}`, reducedSize: true },
      },
    });
    const video = await peer.request('room:produce', {
      transportId: target.transportId,
      kind: 'video',
      rtpParameters: {
        mid: '1',
        codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PT, clockRate: 90_000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] }],
        headerExtensions: [],
        encodings: [{ ssrc: ssrc.video }],
        rtcp: { cname: `headless-${ssrcBase}`, reducedSize: true },
      },
    });
    if (!audio.ok || !video.ok) throw new Error(`headless produce refused: ${JSON.stringify([audio, video])}`);
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, bindIp, resolve));
    socket.on('message', () => undefined); // RTCP (key frame requests): the loop sends a key frame every 15 frames (1.8 s) anyway.
    return new HeadlessMedia(peer, socket, { ip: target.ip, port: target.port }, ssrc);
  }

  /** Sends the clip in a loop: Opus every 60 ms, VP8 every 120 ms, each sealed under the current epoch's key. */
  start(clip: EncodedClip): void {
    this.#timer = setInterval(() => void this.#send(clip).catch(() => undefined), TICK_MS);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.socket.close();
  }

  async #seal(codec: MediaCodec, frame: Uint8Array): Promise<Uint8Array | undefined> {
    const member = this.peer.member;
    if (!member || member.status !== 'active') return undefined;
    if (this.#context?.epoch !== member.epoch) {
      const kid = mlsKid(member.ownLeafIndex, member.epoch);
      const sframe = new SFrameContext();
      await sframe.addSendKey(kid, await member.sframeBaseKey());
      this.#context = { epoch: member.epoch, kid, sframe };
    }
    return encryptFrame(this.#context.sframe, this.#context.kid, codec, frame);
  }

  async #send(clip: EncodedClip): Promise<void> {
    const tick = this.#tick++;
    const opus = await this.#seal('opus', clip.audio[tick % clip.audio.length] as Uint8Array);
    if (opus) this.#out(rtpPacket(AUDIO_PT, this.#sequence.audio++, tick * 2880, this.ssrc.audio, false, opus));
    if (tick % VIDEO_EVERY_TICKS !== 0) return;
    const picture = tick / VIDEO_EVERY_TICKS;
    const vp8 = await this.#seal('vp8', clip.video[picture % clip.video.length] as Uint8Array);
    if (!vp8) return;
    const timestamp = tick * 5400;
    for (let offset = 0; offset < vp8.length; offset += MAX_VP8_PAYLOAD) {
      const piece = vp8.subarray(offset, offset + MAX_VP8_PAYLOAD);
      // VP8 payload descriptor: S=1 on the frame's first packet, partition 0.
      const descriptor = Uint8Array.of(offset === 0 ? 0x10 : 0x00);
      const last = offset + MAX_VP8_PAYLOAD >= vp8.length;
      this.#out(rtpPacket(VIDEO_PT, this.#sequence.video++, timestamp, this.ssrc.video, last, Buffer.concat([descriptor, piece])));
    }
    this.sent++;
  }

  #out(packet: Buffer): void {
    this.socket.send(packet, this.target.port, this.target.ip);
  }
}
