import type { Device, types } from 'mediasoup-client';

/** How long the warm-up waits for the transport to connect; past that, the first real consumer finishes the job. */
const CONNECT_WITHIN_MS = 10_000;

/**
 * Connects a receive transport before anything is received, so ICE and DTLS
 * are done while the person waits in the lobby rather than after they are
 * let in. A browser negotiates a transport only for a media section, so a
 * receiver is set up here, locally, for an audio stream nobody sends (an
 * SSRC of our own choosing that the server never learns: mediasoup-client
 * builds the offer itself and sends the server only our DTLS parameters);
 * `attach` puts the decrypting transform on it all the same. Once the
 * transport is connected the receiver goes (its section is kept, disabled,
 * so the connection stays). The server creates no consumer for it.
 */
export async function connectEarly(transport: types.Transport, device: Device, attach: (receiver: RTCRtpReceiver) => void): Promise<void> {
  const opus = device.recvRtpCapabilities.codecs?.find((codec) => codec.mimeType.toLowerCase() === 'audio/opus');
  if (!opus || opus.preferredPayloadType === undefined || transport.connectionState === 'connected') return;
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
    kind: 'audio',
    rtpParameters: {
      mid: 'warm-up',
      codecs: [{ mimeType: opus.mimeType, payloadType: opus.preferredPayloadType, clockRate: opus.clockRate, channels: opus.channels ?? 2, parameters: {}, rtcpFeedback: [] }],
      headerExtensions: [],
      encodings: [{ ssrc }],
      rtcp: { cname: 'warm-up', reducedSize: true },
    },
    onRtpReceiver: attach,
  });
  await connected;
  placeholder.close();
}
