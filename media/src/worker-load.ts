import type { types } from 'mediasoup';

/**
 * What one worker carries now, counted from mediasoup's own observer events,
 * so every router, transport and consumer made on it is counted however it
 * was made (a room's transports, a pipe between routers, a test's tap).
 * Consumers are the load mediasoup's guideline is written in (~500 per
 * worker): each is one copy of a stream sent out, and sending is the cost.
 */
export interface WorkerLoad {
  readonly routers: number;
  readonly consumers: number;
}

export function trackLoad(worker: types.Worker): WorkerLoad {
  const load = { routers: 0, consumers: 0 };
  worker.observer.on('newrouter', (router) => {
    load.routers++;
    router.observer.once('close', () => load.routers--);
    router.observer.on('newtransport', (transport) => {
      transport.observer.on('newconsumer', (consumer) => {
        load.consumers++;
        consumer.observer.once('close', () => load.consumers--);
      });
    });
  });
  return load;
}
