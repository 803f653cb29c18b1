import type { Platform } from '@care/server';

/**
 * What one emit becomes: the payload to send (changed or not), or undefined
 * to send nothing. `connection` is the Socket.IO id the server addressed.
 */
export type EmitRewrite = (connection: string, event: string, payload: unknown) => unknown;

interface Emitter {
  emit(event: string, ...args: unknown[]): boolean;
}

interface Operator {
  to(rooms: string | readonly string[]): Emitter & { except(rooms: string | readonly string[]): Emitter };
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
  const tapped =
    (operator: (room: string) => ReturnType<Operator['to']>): Operator['to'] =>
    (rooms) => {
      const each = (to: (room: string) => Emitter): Emitter => ({
        emit: (event: string, payload: unknown, ...rest: unknown[]) => {
          for (const room of typeof rooms === 'string' ? [rooms] : rooms) {
            const sent = rewrite(room, event, payload);
            if (sent !== undefined) to(room).emit(event, sent, ...rest);
          }
          return true;
        },
      });
      // A notice that leaves some out (presence, room-notice-stream.ts): the same rewrite, the same rooms left out.
      return { ...each(operator), except: (left) => each((room) => operator(room).except(left)) };
    };
  io.to = tapped(realTo);
  // `in` (a sign-in's end closing its connections) is the real one: only what is sent passes the rewrite.
  const realIn = (rooms: string | readonly string[]) => (realLocal() as unknown as { in(rooms: string | readonly string[]): unknown }).in(rooms);
  Object.defineProperty(io, 'local', { configurable: true, get: () => ({ to: tapped((room) => realLocal().to(room)), in: realIn }) });
  return () => {
    io.to = realTo;
    Reflect.deleteProperty(io, 'local');
  };
}
