import type { Logger } from 'pino';
import type { MediaSettings } from './media-settings.js';
import { Room } from './room.js';
import type { RoomShape } from './room-shape.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * The rooms this node hosts. Creation is serialized per room id, so two people
 * arriving at once land on the same router.
 */
export class RoomRegistry {
  readonly #rooms = new Map<string, Room>();
  readonly #creating = new Map<string, Promise<Room>>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly settings: MediaSettings,
    private readonly log: Logger,
  ) {}

  get(roomId: string): Room | undefined {
    const room = this.#rooms.get(roomId);
    return room && !room.closed ? room : undefined;
  }

  /** The room, created with `shape` if it is not here yet (a room id is one session, so its shape never changes). */
  async getOrCreate(roomId: string, shape: RoomShape): Promise<Room> {
    const existing = this.get(roomId);
    if (existing) return existing;
    let pending = this.#creating.get(roomId);
    if (!pending) {
      pending = Room.create(roomId, shape, this.pool, this.settings, this.log).then((room) => {
        this.#rooms.set(roomId, room);
        room.once('closed', () => {
          if (this.#rooms.get(roomId) === room) this.#rooms.delete(roomId);
        });
        return room;
      });
      this.#creating.set(roomId, pending);
      pending.then(
        () => this.#creating.delete(roomId),
        () => this.#creating.delete(roomId),
      );
    }
    return pending;
  }

  /**
   * Resolves when the pool next puts a replacement worker in place, or after
   * `ms` at the latest (one may already be in place, or another still running).
   */
  workerReplaced(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.pool.off('workerReplaced', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pool.once('workerReplaced', done);
    });
  }

  /** Closes the room's media once nobody is left in it. */
  releaseIfEmpty(roomId: string): void {
    const room = this.#rooms.get(roomId);
    if (room && room.peerCount === 0) room.close();
  }

  get size(): number {
    return this.#rooms.size;
  }

  closeAll(): void {
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
  }
}
