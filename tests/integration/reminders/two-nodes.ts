import type { TestPlatform, TestSocket } from '../../support/test-platform.js';

/** Two platforms on one database and Redis, each with its reminder loop: what two server nodes do. */
export class TwoNodes {
  constructor(
    private readonly nodes: () => [TestPlatform, TestPlatform],
    private readonly sockets: () => Record<string, TestSocket>,
  ) {}

  schedulers(): Array<TestPlatform['platform']['notifications']['scheduler']> {
    return this.nodes().map((node) => node.platform.notifications.scheduler);
  }

  /** Many passes of both schedulers at once: what two nodes racing on every tick would do. */
  async race(rounds = 5): Promise<void> {
    for (let i = 0; i < rounds; i += 1) await Promise.all(this.schedulers().flatMap((s) => [s.tick(), s.tick()]));
  }

  /**
   * Stops both loops (each waits for its pass in progress), then makes sure
   * every in-app event already emitted has reached the sockets of `userIds`: a
   * marker sent by each node after its reminders arrives after them (one Redis
   * connection per node keeps its order).
   */
  async quiesce(userIds: string[]): Promise<void> {
    await Promise.all(this.schedulers().map((s) => s.stop()));
    for (const userId of userIds) {
      const socket = this.sockets()[userId]! as unknown as { on(e: string, h: (p: string) => void): void; off(e: string): void };
      const seen = new Set<string>();
      const both = new Promise<void>((resolve) =>
        socket.on('test:barrier', (node) => {
          seen.add(node);
          if (seen.size === 2) resolve();
        }),
      );
      for (const [name, node] of [['a', this.nodes()[0]], ['b', this.nodes()[1]]] as const) {
        (node.platform.io.to(`user:${userId}`).emit as (e: string, p: string) => boolean)('test:barrier', name);
      }
      await both;
      socket.off('test:barrier');
    }
  }
}
