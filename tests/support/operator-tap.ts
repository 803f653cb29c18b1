import type { Platform } from '@care/server';

/**
 * What one emit becomes: the payload to send (changed or not), or undefined
 * to send nothing. `connection` is the Socket.IO id the server addressed.
 */
export type EmitRewrite = (connection: string, event: string, payload: unknown) => unknown;

/**
 * The server as a hostile operator would run it: every event a service sends
 * to one connection (`Notifier.toConnection` → `io.to(id).emit`) passes
 * `rewrite` first. Returns the function that puts the server back as it was.
 */
export function tapServerEmits(platform: Platform, rewrite: EmitRewrite): () => void {
  const io = platform.io as unknown as { to: (room: string) => { emit: (event: string, ...args: unknown[]) => boolean } };
  const realTo = io.to.bind(io);
  io.to = (room: string) => {
    const operator = realTo(room);
    return {
      emit: (event: string, payload: unknown, ...rest: unknown[]) => {
        const sent = rewrite(room, event, payload);
        return sent === undefined ? true : operator.emit(event, sent, ...rest);
      },
    };
  };
  return () => {
    io.to = realTo;
  };
}
