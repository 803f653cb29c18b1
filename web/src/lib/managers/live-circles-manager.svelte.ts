import type { CircleChanged, CurrentUser } from '@care/shared';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { connectSocket, type AppSocket } from '../socket/socket-client.js';
import { subscribe, type Unsubscribe } from '../socket/socket-subscription.js';

/** Something that happened, for a role=status line: a message and what fills it. */
export interface CircleNotice {
  key: MessageKey;
  params?: Record<string, string | number>;
}

/**
 * A person's circles, kept current: fetched on start, again whenever the
 * server pushes `circle:changed` (and after a reconnect, for pushes missed),
 * and re-labelled every 30 s as meetings open and end. The ASN's page and the
 * facilitator's build on it.
 */
export abstract class LiveCirclesManager {
  now = $state(Date.now());
  notice = $state<CircleNotice | undefined>(undefined);
  timeZone: string;

  #socket: AppSocket | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #clock: ReturnType<typeof setInterval> | undefined;

  constructor(readonly me: CurrentUser) {
    this.timeZone = me.timeZone;
  }

  abstract refresh(): Promise<void>;

  /** Told of a pushed change after the lists were fetched again. */
  protected onLiveChange(_change: CircleChanged): void {}

  async start(): Promise<void> {
    await this.refresh();
    const socket = connectSocket();
    this.#socket = socket;
    this.#unsubscribe = subscribe(socket, {
      'circle:changed': (change) => {
        this.refresh().then(
          () => this.onLiveChange(change),
          () => undefined,
        );
      },
      reconnect: () => void this.refresh().catch(() => undefined),
    });
    this.#clock = setInterval(() => (this.now = Date.now()), 30_000);
  }

  destroy(): void {
    this.#unsubscribe?.();
    this.#socket?.disconnect();
    this.#socket = undefined;
    clearInterval(this.#clock);
  }
}
