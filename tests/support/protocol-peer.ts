import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationPayload, ResumeNotice, SequencedEnvelope } from '@care/shared';
import { inspectMessage, MlsIdentity, MlsMember } from '../../web/src/lib/e2ee/mls/index.js';
import { ask, connect, login, nextEvent, type TestPlatform, type TestSocket } from './test-platform.js';

/*
 * An honest participant without a browser: a real socket.io-client
 * connection with a real session cookie, sending what the web app sends
 * (web/src/lib/rtc/room-client.ts and web/src/lib/e2ee/e2ee-session.svelte.ts),
 * in the same order and at the same moments, with the app's own MLS code
 * (web/src/lib/e2ee/mls) running in Node, and answering the server's
 * requests (`room:consume`) as the app does. No WebRTC: transports are created,
 * connected and produced on with well-formed parameters, so the SFU builds
 * every transport, producer and consumer, but no packet flows. What it leaves
 * out of E2eeSession: the committer fallback (a stuck committer) and the
 * frame worker.
 */

export type Answer<T = unknown> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

interface Prepared {
  roomId: string;
  peerId: string;
  routerRtpCapabilities: unknown;
}

interface Joined extends Prepared {
  peers: Array<{ peerId: string; host: boolean }>;
  mls: { role: 'create' | 'join'; epoch: number | null };
}

/** How often a joiner publishes its KeyPackage again until a Welcome comes (KEY_PACKAGE_RETRY_MS in the web app). */
const KEY_PACKAGE_RETRY_MS = 4000;

const fingerprint = Array.from(randomBytes(32), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
/** A client's DTLS parameters: mediasoup takes them; no handshake follows. */
export const dtlsParameters = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: fingerprint }] } as const;

/**
 * Opus as Chromium sends it, with its own SSRC, and with the Opus parameters
 * the room offers (a 1:1 room: constant bitrate, no DTX; a circle: DTX), as
 * the SDP answer mediasoup-client builds from them would give the encoder.
 */
export function audioParameters(ssrc: number, offered?: unknown): Record<string, unknown> {
  const opus = (offered as { codecs?: Array<{ mimeType: string; parameters?: Record<string, unknown> }> } | undefined)?.codecs?.find(
    (codec) => codec.mimeType.toLowerCase() === 'audio/opus',
  );
  const parameters = { useinbandfec: 1, usedtx: 1, ...opus?.parameters };
  return {
    mid: '0',
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters, rtcpFeedback: [{ type: 'transport-cc' }] }],
    headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
    encodings: [{ ssrc, dtx: Number(parameters.usedtx) === 1 }],
    rtcp: { cname: 'protocol-peer', reducedSize: true },
  };
}

/** VP8 in three simulcast layers with RTX, as the web app sends its camera. */
export function videoParameters(ssrc: number): Record<string, unknown> {
  return {
    mid: '1',
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: 96,
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }, { type: 'transport-cc' }],
      },
      { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 } },
    ],
    headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
    encodings: [0, 1, 2].map((layer) => ({
      ssrc: ssrc + layer * 2,
      rtx: { ssrc: ssrc + layer * 2 + 1 },
      scaleResolutionDownBy: 4 / 2 ** layer,
      maxBitrate: [150_000, 450_000, 1_200_000][layer],
    })),
    rtcp: { cname: 'protocol-peer', reducedSize: true },
  };
}

/** A shared screen as the web app sends it: VP8 with RTX in one encoding (no simulcast), on its own MID. */
export function screenParameters(ssrc: number): Record<string, unknown> {
  const camera = videoParameters(ssrc) as { codecs: unknown; headerExtensions: unknown };
  return {
    mid: '2',
    codecs: camera.codecs,
    headerExtensions: camera.headerExtensions,
    encodings: [{ ssrc, rtx: { ssrc: ssrc + 1 }, maxBitrate: 1_000_000 }],
    rtcp: { cname: 'protocol-peer', reducedSize: true },
  };
}

export class ProtocolPeer {
  /** Every answer this peer got, in order. */
  readonly answers: Array<{ event: string; answer: Answer }> = [];
  joined: Joined | undefined;
  /** The peer prepared in the lobby (`room:prepare`), before it is let in. */
  prepared: Prepared | undefined;
  readonly transports: { send?: string; recv?: string } = {};
  /** Consumers the server announced, by id, with their kind. */
  readonly consumers = new Map<string, 'audio' | 'video'>();
  member: MlsMember | undefined;
  readonly #wantedAdds = new Map<string, Uint8Array>();
  readonly #departed = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  #keyPackageTimer: ReturnType<typeof setInterval> | undefined;
  readonly #failures: unknown[] = [];
  #receiving = false;
  /** Chat lines this peer decrypted, with who sent them (their peer id). */
  readonly chat: Array<{ from: string; text: string }> = [];
  /** Every application message this peer decrypted, in order. */
  readonly received: ApplicationPayload[] = [];

  private constructor(readonly socket: TestSocket) {}

  static async open(url: string, cookie: string, options: { ackTimeoutMs?: number } = {}): Promise<ProtocolPeer> {
    const peer = new ProtocolPeer(await connect(url, cookie));
    if (options.ackTimeoutMs) peer.#ackTimeoutMs = options.ackTimeoutMs;
    return peer;
  }

  /** How long a request waits for its answer (a test whose server is many hops from its media may wait longer). */
  #ackTimeoutMs = 5000;

  /** A peer of this account, signed in over REST as the app does; kept in `opened` (to close them all after the test). */
  static async signIn(url: string, account: { email: string; password: string }, opened: ProtocolPeer[] = []): Promise<ProtocolPeer> {
    const peer = await ProtocolPeer.open(url, await login(url, account.email, account.password));
    opened.push(peer);
    return peer;
  }

  async request<T>(event: string, payload: unknown): Promise<Answer<T>> {
    const answer = (await ask(this.socket, event, payload, this.#ackTimeoutMs)) as Answer<T>;
    this.answers.push({ event, answer });
    return answer;
  }

  async data<T>(event: string, payload: unknown): Promise<T> {
    const answer = await this.request<T>(event, payload);
    if (!answer.ok) throw new Error(`${event}: ${answer.error.code}: ${answer.error.message}`);
    return answer.data;
  }

  /** The requests the server answered `rate_limited`. */
  refused(): string[] {
    return this.answers.filter(({ answer }) => !answer.ok && answer.error.code === 'rate_limited').map(({ event }) => event);
  }

  /** Anything that went wrong in this peer's event handlers (MLS processing). */
  failures(): unknown[] {
    return [...this.#failures];
  }

  async join(sessionId: string, sending = { audio: true, video: false }): Promise<Joined> {
    this.#receive();
    this.joined = await this.data<Joined>('room:join', { sessionId, sending });
    return this.joined;
  }

  /**
   * In the lobby, as RoomClient.prepare: a peer of its own, held (`room:prepare`);
   * `sendMedia` and `prepareMls` then work as they do in the room. Let in, the
   * server says `room:entered` (kept in `joined`).
   */
  async prepare(sessionId: string, sending = { audio: true, video: false }): Promise<Prepared> {
    this.#receive();
    this.socket.on('room:entered', (joined) => {
      this.joined = joined as Joined;
    });
    this.prepared = await this.data<Prepared>('room:prepare', { sessionId, sending });
    return this.prepared;
  }

  /** Both transports, connected, a microphone and a camera, then ready: RoomClient's order. */
  async sendMedia(ssrcBase: number): Promise<void> {
    const capabilities = (this.joined ?? this.prepared)?.routerRtpCapabilities;
    for (const direction of ['send', 'recv'] as const) {
      const { id } = await this.data<{ id: string }>('room:create-transport', { direction });
      this.transports[direction] = id;
    }
    await this.data('room:ready', { rtpCapabilities: capabilities });
    for (const direction of ['send', 'recv'] as const) {
      await this.data('room:connect-transport', { transportId: this.transports[direction], dtlsParameters });
    }
    await this.data('room:produce', { transportId: this.transports.send, kind: 'audio', rtpParameters: audioParameters(ssrcBase, capabilities) });
    await this.data('room:produce', { transportId: this.transports.send, kind: 'video', rtpParameters: videoParameters(ssrcBase + 10) });
    if (this.joined) await this.data('room:request-key-frame', {});
  }

  /** Only the receive transport, then ready, then connected: for a participant whose media goes another way (headless-media.ts). */
  async receiveMedia(): Promise<void> {
    const { id } = await this.data<{ id: string }>('room:create-transport', { direction: 'recv' });
    this.transports.recv = id;
    await this.data('room:ready', { rtpCapabilities: this.joined?.routerRtpCapabilities });
    await this.data('room:connect-transport', { transportId: id, dtlsParameters });
  }

  /**
   * The server asks for each consumer (`room:consume`); the answer starts it.
   * Each new video's view is told once (room-client.ts setVideoView tells
   * only a view that changed).
   */
  #receive(): void {
    if (this.#receiving) return;
    this.#receiving = true;
    let queue = Promise.resolve();
    this.socket.on('room:consume', ({ consumerId, kind }, answer) => {
      this.consumers.set(consumerId, kind);
      answer({ ok: true, data: {} });
      if (kind !== 'video') return;
      queue = queue
        .then(async () => {
          // As room-client.ts: a consumer closed meanwhile (its sender left) is not told about.
          if (!this.consumers.has(consumerId)) return;
          await this.data('room:consumer-view', { consumerId, spatialLayer: 1, visible: true });
        })
        .catch((error: unknown) => void this.#failures.push(error));
    });
    this.socket.on('room:consumer-closed', ({ consumerId }) => void this.consumers.delete(consumerId));
  }

  /** In the lobby, as E2eeSession.prepareMember: the member, and its KeyPackage published (the server holds it). */
  async prepareMls(): Promise<void> {
    const prepared = this.prepared;
    if (!prepared) throw new Error('prepare in the lobby first');
    this.member = await MlsMember.create(await MlsIdentity.generate(prepared.peerId));
    this.#listenMls();
    await this.#publish(this.member, prepared.roomId);
  }

  /** Joins (or creates) the room's MLS group as E2eeSession.start does. */
  async startMls(): Promise<void> {
    const joined = this.joined;
    if (!joined) throw new Error('join the room first');
    const prepared = this.member;
    const member = prepared ?? (await MlsMember.create(await MlsIdentity.generate(joined.peerId)));
    this.member = member;
    if (!prepared) this.#listenMls();
    if (member.status === 'active') return;
    if (joined.mls.role === 'create') {
      await this.#serial(async () => {
        await member.createGroup(joined.roomId);
        await this.#commitWanted();
      });
      return;
    }
    if (!prepared) await this.#publish(member, joined.roomId);
    this.#keyPackageTimer = setInterval(() => void this.#publish(member, joined.roomId).catch((error: unknown) => this.#failures.push(error)), KEY_PACKAGE_RETRY_MS);
  }

  #publish(member: MlsMember, roomId: string): Promise<void> {
    return this.#serial(async () => {
      if (member.status !== 'no-group') return;
      const { create } = await this.data<{ create: boolean }>('mls:publish-key-package', { keyPackage: await member.createKeyPackage() });
      // No one present holds the group any more: this peer starts it afresh, as E2eeSession does.
      if (create) await member.createGroup(roomId);
    });
  }

  /**
   * Sends a chat line as E2eeSession.send does: an MLS application message
   * for the current epoch, encrypted again if the group moved on meanwhile.
   */
  async say(text: string): Promise<Answer> {
    return this.sendApplication(new TextEncoder().encode(JSON.stringify({ kind: 'chat', id: randomUUID(), text })));
  }

  /** Any bytes as an MLS application message, as a modified app could send them (authentic, whatever they hold). */
  async sendApplication(plaintext: Uint8Array): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const member = this.member;
      if (!member || member.status !== 'active') throw new Error('not in the group yet');
      const epoch = Number(member.epoch);
      const answer = await this.request('mls:message', { epoch, message: await member.encryptApplication(plaintext) });
      if (answer.ok || answer.error.code !== 'stale_epoch' || attempt >= 3) return answer;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The members of this peer's group (empty before it has one). */
  groupSize(): number {
    return this.member?.status === 'active' ? this.member.members().length : 0;
  }

  epoch(): bigint | undefined {
    return this.member?.status === 'active' ? this.member.epoch : undefined;
  }

  close(): void {
    if (this.#keyPackageTimer) clearInterval(this.#keyPackageTimer);
    this.socket.close();
  }

  #serial(operation: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch((error: unknown) => void this.#failures.push(error));
    return run;
  }

  #listenMls(): void {
    this.socket.on('mls:key-packages', ({ keyPackages }) => {
      for (const { peerId, keyPackage } of keyPackages) {
        const bytes = new Uint8Array(keyPackage);
        let info;
        try {
          info = inspectMessage(bytes);
        } catch {
          continue;
        }
        if (info.kind === 'key-package' && info.participantId === peerId) this.#wantedAdds.set(peerId, bytes);
      }
      void this.#serial(() => this.#commitWanted());
    });
    this.socket.on('mls:commit', ({ commit }) => {
      void this.#serial(async () => {
        const member = this.member;
        if (!member || member.status !== 'active') return;
        await member.processCommit(new Uint8Array(commit));
        await this.#commitWanted();
      });
    });
    this.socket.on('mls:welcome', ({ welcome }) => {
      void this.#serial(async () => {
        const member = this.member;
        if (!member || member.status !== 'no-group') return;
        await member.joinFromWelcome(new Uint8Array(welcome));
        if (this.#keyPackageTimer) clearInterval(this.#keyPackageTimer);
      });
    });
    this.socket.on('mls:message', ({ message }) => {
      void this.#serial(async () => {
        const member = this.member;
        if (!member || member.status !== 'active') return;
        const decrypted = await member.decryptApplication(new Uint8Array(message));
        const content: unknown = JSON.parse(new TextDecoder().decode(decrypted.plaintext));
        // Pages number what they send (issue 14); a resume notice is their bookkeeping, not a message.
        if (ResumeNotice.safeParse(content).success) return;
        const sequenced = SequencedEnvelope.safeParse(content);
        const payload = sequenced.success ? sequenced.data.payload : ApplicationPayload.parse(content);
        this.received.push(payload);
        if (payload.kind === 'chat') this.chat.push({ from: decrypted.senderParticipantId, text: payload.text });
      });
    });
    this.socket.on('room:peer-left', ({ peerId }) => {
      this.#departed.add(peerId);
      this.#wantedAdds.delete(peerId);
      void this.#serial(() => this.#commitWanted());
    });
  }

  /** The lowest leaf still present commits: removes leavers first, then adds every joiner in one commit, as E2eeSession does. */
  async #commitWanted(): Promise<void> {
    const member = this.member;
    if (!member || member.status !== 'active') return;
    const present = member.members().filter((m) => !this.#departed.has(m.participantId));
    if (member.ownLeafIndex !== Math.min(...present.map((m) => m.leafIndex))) return;
    const inGroup = new Set(member.members().map((m) => m.participantId));
    const leavers = [...this.#departed].filter((id) => inGroup.has(id));
    if (leavers.length > 0) {
      const { commit } = await member.removeMembers(leavers);
      if (await this.#submit(member, { commit })) await this.#commitWanted();
      return;
    }
    const joiners = [...this.#wantedAdds].filter(([peerId]) => !inGroup.has(peerId));
    if (joiners.length === 0) return;
    const { commit, welcome } = await member.addMembers(joiners.map(([, keyPackage]) => keyPackage));
    // The server sends the Welcome to the peers whose KeyPackages the commit adds, and no one else.
    if (await this.#submit(member, { commit, welcome })) {
      for (const [peerId] of joiners) this.#wantedAdds.delete(peerId);
      await this.#commitWanted();
    }
  }

  async #submit(member: MlsMember, commit: { commit: Uint8Array; welcome?: Uint8Array }): Promise<boolean> {
    const result = await this.data<{ accepted: boolean }>('mls:commit', commit);
    if (!result.accepted) {
      await member.discardPendingCommit();
      return false;
    }
    await member.confirmPendingCommit();
    return true;
  }
}

/**
 * Two peers in the room of a 1:1 session: the counselor joined, the client
 * knocked, was admitted and joined (neither has transports yet).
 */
export async function pairInRoom(
  t: TestPlatform,
  sessionId: string,
  counselor: { email: string; password: string },
  client: { email: string; password: string },
): Promise<{ host: ProtocolPeer; member: ProtocolPeer }> {
  const host = await ProtocolPeer.open(t.url, await login(t.url, counselor.email, counselor.password));
  await host.join(sessionId);
  const member = await ProtocolPeer.open(t.url, await login(t.url, client.email, client.password));
  const admitted = nextEvent(member.socket, 'lobby:admitted');
  await member.data('lobby:knock', { sessionId });
  await host.data('lobby:admit', { sessionId, userId: String((await t.platform.db.users.findOne({ email: client.email }))?._id) });
  await admitted;
  await member.join(sessionId);
  return { host, member };
}
