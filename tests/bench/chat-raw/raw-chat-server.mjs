// The floor for bench:chat: a minimal Socket.IO server of its own, nothing
// of the app (no sign-in, no schema, no budget, no epoch check): a socket
// joins the room, and a message to the room goes to everyone else in it.
// Plain JavaScript, run by node as it is. Prints "RAW_CHAT_READY <url>".
import { createServer } from 'node:http';
import process from 'node:process';
import { Server } from 'socket.io';

const httpServer = createServer();
const io = new Server(httpServer, { maxHttpBufferSize: 64 * 1024 });
io.on('connection', (socket) => {
  socket.on('join', (ack) => {
    void socket.join('room');
    ack?.({ ok: true });
  });
  socket.on('chat', (message, ack) => {
    socket.to('room').emit('chat', message);
    ack?.({ ok: true });
  });
});
httpServer.listen(0, '127.0.0.1', () => {
  const { port } = httpServer.address();
  process.stdout.write(`RAW_CHAT_READY http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
