import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppSocket } from './types.js';

/** Room signalling: prepare (in the lobby), join, transports, produce; all through acks. Consumers are the server's requests (LiveMedia). */
export function registerRoom(socket: AppSocket, deps: SocketDeps): void {
  const { live, log } = deps;
  const { entry, rooms, media, moderation } = live;
  const user = socket.data.user;

  onRequest(socket, 'room:prepare', log, ({ sessionId, sending }) => entry.prepare(socket.id, user, sessionId, sending));

  onRequest(socket, 'room:join', log, ({ sessionId, sending }) => entry.enter(socket.id, user, sessionId, sending));

  onRequest(socket, 'room:create-transport', log, ({ direction }) => media.createTransport(socket.id, direction));

  onRequest(socket, 'room:connect-transport', log, async ({ transportId, dtlsParameters }) => {
    await media.connectTransport(socket.id, transportId, dtlsParameters);
    return {};
  });

  onRequest(socket, 'room:produce', log, async ({ transportId, kind, rtpParameters, source }) => ({
    producerId: await media.produce(socket.id, transportId, kind, rtpParameters, source),
  }));

  onRequest(socket, 'room:stop-share', log, async () => {
    await media.stopShare(socket.id);
    return {};
  });

  onRequest(socket, 'room:ready', log, async ({ rtpCapabilities }) => {
    await media.ready(socket.id, rtpCapabilities);
    return {};
  });

  onRequest(socket, 'room:set-media-mode', log, async ({ mode }) => {
    await media.setMediaMode(socket.id, mode);
    return {};
  });

  onRequest(socket, 'room:consumer-view', log, async ({ consumerId, spatialLayer, visible }) => {
    await media.setConsumerView(socket.id, consumerId, spatialLayer, visible);
    return {};
  });

  onRequest(socket, 'room:restart-ice', log, async ({ transportId }) => ({ iceParameters: await media.restartIce(socket.id, transportId) }));

  onRequest(socket, 'room:request-key-frame', log, async () => {
    await media.requestKeyFrames(socket.id);
    return {};
  });

  onRequest(socket, 'room:set-sending', log, async (sending) => {
    await media.setSending(socket.id, sending);
    return {};
  });

  onRequest(socket, 'room:raise-hand', log, ({ raised }) => moderation.raiseHand(socket.id, raised));

  onRequest(socket, 'room:moderate', log, async ({ peerId, action }) => {
    await moderation.moderate(socket.id, peerId, action);
    return {};
  });

  onRequest(socket, 'room:allow-share', log, async ({ peerId, allowed }) => {
    await moderation.allowShare(socket.id, peerId, allowed);
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
