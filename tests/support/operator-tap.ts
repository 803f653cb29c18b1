import type { Platform } from '@care/server';

/**
 * What one emit becomes: the payload to send (changed or not), or undefined
 * to send nothing. `connection` is the Socket.IO id the server addressed.
 */
export type EmitRewrite = (connection: string, event: string, payload: unknown) => unknown;

interface Operator {
  to(rooms: string | readonly string[]): { emit(event: string, ...args: unknown[]): boolean };
}

/**
 * The server as a hostile operator would run it: every event a service sends
 * to one connection (`Notifier.toConnection` → `io.to(id).emit`) or to several
 * of this node's at once (`toLocalConnections` → `io.local.to(ids).emit`,
 * split here into one emit per connection) passes `rewrite` first. Returns
 * the function that puts the server back as it was.
 */
export function tapServerEmits(platform: Platform, rewrite: EmitRewrite): () => void {
  const io = platform.io as unknown as Operator & { local: Operator };
  const realTo = io.to.bind(io);
  const realLocal = (): Operator => Reflect.get(Object.getPrototypeOf(io) as object, 'local', io) as Operator;
  const tapped = (operator: (room: string) => { emit(event: string, ...args: unknown[]): boolean }): Operator['to'] => (rooms) => ({
    emit: (event: string, payload: unknown, ...rest: unknown[]) => {
      for (const room of typeof rooms === 'string' ? [rooms] : rooms) {
        const sent = rewrite(room, event, payload);
        if (sent !== undefined) operator(room).emit(event, sent, ...rest);
      }
      return true;
    },
  });
  io.to = tapped(realTo);
  Object.defineProperty(io, 'local', { configurable: true, get: () => ({ to: tapped((room) => realLocal().to(room)) }) });
  return () => {
    io.to = realTo;
    Reflect.deleteProperty(io, 'local');
  };
}
