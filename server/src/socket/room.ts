import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppSocket } from './types.js';

/** Room signalling: join, transports, produce, consume; all through acks. */
export function registerRoom(socket: AppSocket, deps: SocketDeps): void {
  const { admission, rooms, moderation, mls, attendance, log } = deps;
  const user = socket.data.user;

  onRequest(socket, 'room:join', log, async ({ sessionId, sending }) => {
    const access = await admission.authorizeRoom(user, sessionId);
    const joined = await rooms.join(socket.id, access, user, sending);
    // Only admitted participants reach here; an admin never does (authorizeRoom).
    if (user.role !== 'admin') {
      if (access.kind === 'one-to-one') await attendance.joined(sessionId, user.role);
      else await attendance.joinedCircleMeeting(sessionId, user.id, user.role, access.startsAt);
    }
    return { ...joined, floor: await moderation.peerJoined(socket.id), mls: await mls.joinInfo(access.roomId, socket.id) };
  });

  onRequest(socket, 'room:create-transport', log, ({ direction }) => rooms.createTransport(socket.id, direction));

  onRequest(socket, 'room:connect-transport', log, async ({ transportId, dtlsParameters }) => {
    await rooms.connectTransport(socket.id, transportId, dtlsParameters);
    return {};
  });

  onRequest(socket, 'room:produce', log, async ({ transportId, kind, rtpParameters }) => ({
    producerId: await rooms.produce(socket.id, transportId, kind, rtpParameters),
  }));

  onRequest(socket, 'room:ready', log, async ({ rtpCapabilities }) => {
    await rooms.ready(socket.id, rtpCapabilities);
    return {};
  });

  onRequest(socket, 'room:resume-consumer', log, async ({ consumerId }) => {
    await rooms.resumeConsumer(socket.id, consumerId);
    return {};
  });

  onRequest(socket, 'room:set-media-mode', log, async ({ mode }) => {
    await rooms.setMediaMode(socket.id, mode);
    return {};
  });

  onRequest(socket, 'room:consumer-view', log, async ({ consumerId, spatialLayer, visible }) => {
    await rooms.setConsumerView(socket.id, consumerId, spatialLayer, visible);
    return {};
  });

  onRequest(socket, 'room:restart-ice', log, async ({ transportId }) => ({ iceParameters: await rooms.restartIce(socket.id, transportId) }));

  onRequest(socket, 'room:request-key-frame', log, async () => {
    await rooms.requestKeyFrames(socket.id);
    return {};
  });

  onRequest(socket, 'room:set-sending', log, async (sending) => {
    await rooms.setSending(socket.id, sending);
    return {};
  });

  onRequest(socket, 'room:raise-hand', log, ({ raised }) => moderation.raiseHand(socket.id, raised));

  onRequest(socket, 'room:moderate', log, async ({ peerId, action }) => {
    await moderation.moderate(socket.id, peerId, action);
    return {};
  });

  onRequest(socket, 'room:mute-all', log, async () => ({ muted: await moderation.muteAll(socket.id) }));

  onRequest(socket, 'room:lock', log, ({ locked }) => moderation.lock(socket.id, locked));

  onRequest(socket, 'room:end', log, async () => {
    await moderation.end(socket.id);
    return {};
  });

  onRequest(socket, 'room:leave', log, async () => {
    await rooms.leave(socket.id, 'left');
    return {};
  });

  socket.on('disconnect', () => {
    rooms.leave(socket.id, 'disconnected').catch((error: unknown) => log.warn({ err: error }, 'leave on disconnect failed'));
  });
}
