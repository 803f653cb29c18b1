import type { Device, types } from 'mediasoup-client';

/** How long the warm-up waits for the transport to connect; past that, the first real consumer finishes the job. */
const CONNECT_WITHIN_MS = 10_000;

/**
 * Connects a receive transport before anything is received, so ICE and DTLS
 * are done while the person waits in the lobby rather than after they are
 * let in. A browser negotiates a transport only for a media section, so a
 * receiver is set up here, locally, for a video stream nobody sends (an SSRC
 * of our own choosing that the server never learns: mediasoup-client builds
 * the offer itself and sends the server only our DTLS parameters); `attach`
 * puts the decrypting transform on it all the same. Video, so that
 * mediasoup-client's receiver for the SFU's bandwidth probation (made with
 * the first video consumer, from its codec and header extensions, which are
 * the router's as a real consumer's are) is negotiated now too, not in one
 * more renegotiation as the first picture arrives. Once the transport is
 * connected the receiver goes (its section is kept, disabled, so the
 * connection stays). The server creates no consumer for it.
 */
export async function connectEarly(transport: types.Transport, device: Device, attach: (receiver: RTCRtpReceiver) => void): Promise<void> {
  const capabilities = device.recvRtpCapabilities;
  const video = capabilities.codecs?.find((codec) => codec.kind === 'video' && !/\/rtx$/i.test(codec.mimeType));
  if (!video || video.preferredPayloadType === undefined || transport.connectionState === 'connected') return;
  const connected = new Promise<void>((resolve) => {
    const timer = setTimeout(done, CONNECT_WITHIN_MS);
    function done(): void {
      clearTimeout(timer);
      transport.off('connectionstatechange', onState);
      resolve();
    }
    function onState(state: types.ConnectionState): void {
      if (state === 'connected' || state === 'failed' || state === 'closed') done();
    }
    transport.on('connectionstatechange', onState);
  });
  const ssrc = crypto.getRandomValues(new Uint32Array(1))[0] ?? 1;
  const placeholder = await transport.consume({
    id: 'warm-up',
    producerId: 'warm-up',
    kind: 'video',
    rtpParameters: {
      mid: 'warm-up',
      codecs: [{ mimeType: video.mimeType, payloadType: video.preferredPayloadType, clockRate: video.clockRate, parameters: video.parameters ?? {}, rtcpFeedback: video.rtcpFeedback ?? [] }],
      headerExtensions: (capabilities.headerExtensions ?? [])
        .filter((extension) => extension.kind === 'video' && extension.direction !== 'sendonly' && extension.direction !== 'inactive')
        .map((extension) => ({ uri: extension.uri, id: extension.preferredId, encrypt: extension.preferredEncrypt ?? false, parameters: {} })),
      encodings: [{ ssrc }],
      rtcp: { cname: 'warm-up', reducedSize: true },
    },
    onRtpReceiver: attach,
  });
  await connected;
  placeholder.close();
}
