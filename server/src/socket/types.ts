import type { ClientToServerEvents, CurrentUser, ServerToClientEvents } from '@care/shared';
import type { Server, Socket } from 'socket.io';

export interface SocketData {
  user: CurrentUser;
  /** The sign-in this connection was opened with: its room (`sid`) and the handle to renew it (`ref`, never the token). */
  session: { sid: string; ref: string };
  /** This connection took the person from offline to online (decided when it was let in: connection-cap.ts). */
  cameOnline: boolean;
}

// Inter-server events: none (the Redis adapter carries broadcasts).
export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
