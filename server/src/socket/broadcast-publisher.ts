import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The connection the Socket.IO adapter publishes broadcasts on. It waits for
 * Redis through an outage or a failover (no retry limit), so a broadcast is
 * late rather than lost. The adapter fires its PUBLISH and never looks at the
 * answer: a publish that still fails (the connection closed for good, e.g.
 * at shutdown) would be an unhandled rejection, which ends a Node process.
 * Here it is counted in the log instead, and the node goes on.
 */
export function broadcastPublisher(redis: Redis, log: Logger): Redis {
  const publisher = redis.duplicate({ maxRetriesPerRequest: null, connectionName: 'care-socket-publish' });
  const publish = publisher.publish.bind(publisher) as (channel: string, message: string | Buffer) => Promise<number>;
  let failed = 0;
  const guarded = (channel: string, message: string | Buffer): Promise<number> => {
    const sent = publish(channel, message);
    sent.catch((error: unknown) => {
      failed += 1;
      // One line per hundred, so an outage does not flood the log.
      if (failed % 100 === 1) log.warn({ err: error, failed }, 'a broadcast to the other nodes could not be published');
    });
    return sent;
  };
  (publisher as unknown as { publish: typeof guarded }).publish = guarded;
  return publisher;
}
