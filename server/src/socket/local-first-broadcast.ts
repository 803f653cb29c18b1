import { Adapter, MessageType, type BroadcastOptions } from 'socket.io-adapter';

type AdapterFactory = (nsp: unknown) => Adapter;

/** What of the cluster adapter this reaches: its fire-and-forget publish (protected in its types). */
interface Publishing {
  publish(message: { type: MessageType.BROADCAST; data: { packet: unknown; opts: { rooms: string[]; except: string[]; flags: BroadcastOptions['flags'] } } }): void;
}

/**
 * The streams adapter delivers a broadcast on its own node only once Redis
 * has stored it (it awaits its XADD), so an answer sent to a request meanwhile
 * would reach the page before the broadcast the request caused (a raised hand
 * acknowledged before the floor that shows it). Here a broadcast reaches this
 * node's connections at once, in the order it was made, as the pub/sub adapter
 * did, and then goes to the stream for the other nodes (whose order among
 * themselves the stream keeps). A publish that fails is the adapter's to log.
 */
export function localFirstBroadcast(make: AdapterFactory): AdapterFactory {
  return function (nsp: unknown): Adapter {
    const adapter = make(nsp);
    adapter.broadcast = (packet, opts) => {
      Adapter.prototype.broadcast.call(adapter, packet, opts);
      if (opts.flags?.local) return;
      (adapter as unknown as Publishing).publish({
        type: MessageType.BROADCAST,
        data: { packet, opts: { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags } },
      });
    };
    return adapter;
  };
}
