import type { Page } from 'playwright-core';
import { MlsIdentity, MlsMember } from '../../web/src/lib/e2ee/mls/index.js';
import { ask, connect, login, nextEvent, type TestSocket } from './test-platform.js';

export interface Ack<T = unknown> {
  ok: boolean;
  data?: T;
  error?: { code: string; message: string };
}

export interface KeyPackageEvent {
  peerId: string;
  keyPackage: Uint8Array;
  rejoin: boolean;
}

/** The next KeyPackages the server hands this connection (`mls:key-packages`: one publication, or everyone let in together). */
export async function nextKeyPackages(socket: TestSocket, timeoutMs = 5000): Promise<KeyPackageEvent[]> {
  return (await nextEvent<{ keyPackages: KeyPackageEvent[] }>(socket, 'mls:key-packages', timeoutMs)).keyPackages;
}

/** The first of the next KeyPackages handed to this connection. */
export async function nextKeyPackage(socket: TestSocket, timeoutMs = 5000): Promise<KeyPackageEvent> {
  const [first] = await nextKeyPackages(socket, timeoutMs);
  if (!first) throw new Error('an empty mls:key-packages');
  return first;
}

/**
 * A room member outside the browser: a real Socket.IO connection with a real
 * session cookie, and the web app's own MLS layer (`MlsMember`, the same code
 * the pages run) on Node's WebCrypto. Hostile tests make it do what a patched
 * client would; it does nothing on its own (no automatic commits).
 */
export class SocketMember {
  // Welcomes and commits are applied one at a time, in the order they arrived.
  #queue: Promise<unknown> = Promise.resolve();
  /** Every SFrame base key (hex) this member has held, epoch by epoch: what a hostile client could keep. */
  readonly heldKeys = new Set<string>();

  private constructor(
    readonly socket: TestSocket,
    readonly peerId: string,
    readonly roomId: string,
    public member: MlsMember,
  ) {}

  /** A member for this connection's peer; `participantId` other than the peer id makes a forged credential. */
  static async create(socket: TestSocket, joined: { peerId: string; roomId: string }, participantId = joined.peerId): Promise<SocketMember> {
    return new SocketMember(socket, joined.peerId, joined.roomId, await MlsMember.create(await MlsIdentity.generate(participantId)));
  }

  /**
   * Publishes a fresh KeyPackage and joins from the Welcome the committer
   * sends for it. Resolves with the Welcome's epoch.
   */
  async joinGroup(options: { rejoin?: boolean; timeoutMs?: number } = {}): Promise<number> {
    const welcomed = nextEvent<{ epoch: number; welcome: Uint8Array }>(this.socket, 'mls:welcome', options.timeoutMs ?? 20_000);
    const published = (await this.publish(await this.member.createKeyPackage(), options.rejoin)) as Ack<{ create: boolean }>;
    if (!published.ok) throw new Error(`KeyPackage refused: ${published.error?.code}`);
    const { epoch, welcome } = await welcomed;
    await this.#inOrder(async () => {
      await this.member.joinFromWelcome(new Uint8Array(welcome), { expectedGroupId: this.roomId });
      this.heldKeys.add(await this.frameKey());
    });
    return epoch;
  }

  #inOrder<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  publish(keyPackage: Uint8Array, rejoin?: boolean): Promise<Ack> {
    return ask(this.socket, 'mls:publish-key-package', { keyPackage, ...(rejoin === undefined ? {} : { rejoin }) }) as Promise<Ack>;
  }

  /** Submits raw bytes as a commit (and Welcome): whatever a patched client could send. */
  submit(commit: Uint8Array, welcome?: Uint8Array): Promise<Ack<{ accepted: boolean; epoch: number }>> {
    return ask(this.socket, 'mls:commit', { commit, ...(welcome ? { welcome } : {}) }) as Promise<Ack<{ accepted: boolean; epoch: number }>>;
  }

  /** The SFrame base key (hex) of this member's current epoch: what the frame worker would be given. */
  async frameKey(): Promise<string> {
    return Buffer.from(await this.member.sframeBaseKey()).toString('hex');
  }

  /** Applies every commit the server delivers to this connection from now on (after a Welcome being joined); returns a stop function. */
  followCommits(onError: (error: unknown) => void = () => undefined): () => void {
    const handler = ({ commit }: { commit: Uint8Array }) => {
      void this.#inOrder(async () => {
        if (this.member.status !== 'active') return;
        await this.member.processCommit(new Uint8Array(commit));
        if (this.member.status === 'active') this.heldKeys.add(await this.frameKey());
      }).catch(onError);
    };
    const socket = this.socket as unknown as { on(e: string, h: typeof handler): void; off(e: string, h: typeof handler): void };
    socket.on('mls:commit', handler);
    return () => socket.off('mls:commit', handler);
  }
}

export interface EnteredRoom {
  socket: TestSocket;
  joined: { peerId: string; roomId: string; mls: { role: string; epoch: number | null } };
}

/**
 * A person enters a session with a bare Socket.IO connection and their real
 * session cookie (what a patched client would use): knocks, is admitted by
 * the host's page (`admit` clicked there), and joins the room.
 */
export async function enterAsSocket(url: string, account: { email: string; password: string }, hostPage: Page, sessionId: string): Promise<EnteredRoom> {
  const socket = await connect(url, await login(url, account.email, account.password));
  const admitted = nextEvent(socket, 'lobby:admitted', 30_000);
  admitted.catch(() => undefined); // Unused when the knock is admitted at once.
  const knocked = (await ask(socket, 'lobby:knock', { sessionId })) as Ack<{ admitted: boolean }>;
  if (!knocked.ok) throw new Error(`knock refused: ${knocked.error?.code}`);
  if (!knocked.data?.admitted) {
    await hostPage.getByTestId('admit').first().click();
    await admitted;
  }
  const joined = (await ask(socket, 'room:join', { sessionId, sending: { audio: false, video: false } })) as Ack<EnteredRoom['joined']>;
  if (!joined.ok || !joined.data) throw new Error(`join refused: ${joined.error?.code}`);
  return { socket, joined: joined.data };
}

/** A chat line as the app sends it: an MLS application message for the member's current epoch. */
export async function sendChat(from: SocketMember, text: string): Promise<Ack> {
  const payload = { kind: 'chat', id: crypto.randomUUID(), text };
  const epoch = Number(from.member.epoch);
  const message = await from.member.encryptApplication(new TextEncoder().encode(JSON.stringify(payload)));
  return ask(from.socket, 'mls:message', { epoch, message }) as Promise<Ack>;
}
