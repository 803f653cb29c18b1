import { demoAccounts } from '@care/server';
import { connect, login, sessionHeaders, type TestSocket } from '../../support/test-platform.js';

export type RoleName = 'asn' | 'counselor' | 'admin';
export const roleNames: readonly RoleName[] = ['asn', 'counselor', 'admin'];

interface Person {
  email: string;
  password: string;
  id: string;
  cookie: string;
  socket?: TestSocket | undefined;
}

/**
 * The demo ASN, counselor and administrator, signed in, as the fuzz sends
 * for them. A fuzz input may sign one out or (as the administrator)
 * deactivate one: `restore` brings them back, so the rest of the run still
 * reaches what is behind sign-in.
 */
export class FuzzPeople {
  readonly #people = new Map<RoleName, Person>();
  #disconnects: string[] = [];

  private constructor(
    readonly url: string,
    readonly onSocket: (socket: TestSocket) => void,
  ) {}

  /** Signs the three in; `onSocket` sees each socket opened for them (to watch what the server pushes). */
  static async signIn(url: string, onSocket: (socket: TestSocket) => void): Promise<FuzzPeople> {
    const people = new FuzzPeople(url, onSocket);
    for (const role of roleNames) {
      const account = demoAccounts.find((a) => a.role === role)!;
      const cookie = await login(url, account.email, account.password);
      const me = (await (await fetch(`${url}/api/auth/me`, { headers: { cookie } })).json()) as { data: { id: string } };
      people.#people.set(role, { email: account.email, password: account.password, id: me.data.id, cookie });
    }
    return people;
  }

  #person(role: RoleName): Person {
    return this.#people.get(role)!;
  }

  ids(): string[] {
    return roleNames.map((role) => this.#person(role).id);
  }

  /** The headers of a signed-in call (cookie and CSRF token). */
  headers(role: RoleName): Record<string, string> {
    return sessionHeaders(this.#person(role).cookie);
  }

  cookie(role: RoleName): string {
    return this.#person(role).cookie;
  }

  /** This person's socket, connected again if the last input closed it (the reasons are kept). */
  async socket(role: RoleName): Promise<TestSocket> {
    const person = this.#person(role);
    if (person.socket?.connected) return person.socket;
    person.socket?.removeAllListeners();
    let socket: TestSocket;
    try {
      socket = await connect(this.url, person.cookie);
    } catch {
      await this.restore();
      socket = await connect(this.url, person.cookie);
    }
    socket.on('disconnect', (reason) => this.#disconnects.push(reason));
    this.onSocket(socket);
    person.socket = socket;
    return socket;
  }

  /** How each closed socket was closed (Socket.IO's reason), since the last call. */
  takeDisconnects(): string[] {
    const taken = this.#disconnects;
    this.#disconnects = [];
    return taken;
  }

  /** Signs in again whoever is signed out, reactivating them first if an input deactivated them. */
  async restore(): Promise<void> {
    const signedOut = new Set<RoleName>();
    await Promise.all(
      roleNames.map(async (role) => {
        const me = await fetch(`${this.url}/api/auth/me`, { headers: { cookie: this.#person(role).cookie } });
        if (me.status !== 200) signedOut.add(role);
      }),
    );
    // The administrator first: it reactivates the others.
    for (const role of (['admin', 'counselor', 'asn'] as const).filter((r) => signedOut.has(r))) {
      const person = this.#person(role);
      if (role !== 'admin') {
        const admin = this.#person('admin');
        await fetch(`${this.url}/api/admin/users/${person.id}/active`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sessionHeaders(admin.cookie) },
          body: JSON.stringify({ active: true }),
        });
      }
      person.cookie = await login(this.url, person.email, person.password);
      person.socket?.removeAllListeners();
      person.socket?.close();
      person.socket = undefined;
    }
  }

  close(): void {
    for (const person of this.#people.values()) {
      person.socket?.removeAllListeners();
      person.socket?.close();
    }
  }
}
