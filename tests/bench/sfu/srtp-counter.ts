import dgram from 'node:dgram';

/**
 * The receivers of bench:sfu: one UDP socket that every consumer's plain
 * transport sends its SRTP to. SRTP leaves the RTP header in the clear, so the
 * reader counts packets by SSRC (one SSRC per consumer) without decrypting:
 * the SFU did the encryption (the cost under test), and counting is all the
 * loss figure needs. RTCP (sender reports) is told apart by its packet type.
 */
export class SrtpCounter {
  readonly #counts = new Map<number, number>();

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg) => {
      if (msg.length < 12) return;
      const type = msg[1] ?? 0;
      if (type >= 192 && type <= 223) return; // RTCP
      const ssrc = msg.readUInt32BE(8);
      const count = this.#counts.get(ssrc);
      if (count !== undefined) this.#counts.set(ssrc, count + 1);
    });
  }

  static async open(): Promise<SrtpCounter> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 64 << 20 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new SrtpCounter(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Starts counting these SSRCs from zero (the consumers of one step). */
  expect(ssrcs: number[]): void {
    this.#counts.clear();
    for (const ssrc of ssrcs) this.#counts.set(ssrc, 0);
  }

  get received(): number {
    let total = 0;
    for (const count of this.#counts.values()) total += count;
    return total;
  }

  close(): void {
    this.socket.close();
  }
}
