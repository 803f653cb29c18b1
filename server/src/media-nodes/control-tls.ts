import { readFileSync } from 'node:fs';

/*
 * TLS on the media-node control channel. The channel is authenticated by the HMAC challenge, but what crosses it
 * (rooms, peers, transport parameters, and for pipes between media nodes their SRTP keys) would be readable on the
 * wire without TLS. With a certificate and key, a media node serves wss://; with a CA, a signal node verifies every
 * media node against it and refuses a plain ws:// address, so a forged registry entry cannot downgrade the channel.
 */

/** TLS 1.3 only: the nodes are ours, there is nothing older to talk to. */
export const CONTROL_TLS_MIN_VERSION = 'TLSv1.3';

/** A media node's side: the certificate and key its control port presents (PEM). */
export interface ControlTlsServer {
  cert: string;
  key: string;
}

/** A signal node's side: the certificate authority media nodes' certificates must chain to (PEM). */
export interface ControlTlsClient {
  ca: string;
}

/** The media node's TLS settings from the certificate and key files, or none (plain ws:// on a private network). */
export function controlTlsServer(config: { MEDIA_CONTROL_TLS_CERT?: string | undefined; MEDIA_CONTROL_TLS_KEY?: string | undefined }): ControlTlsServer | undefined {
  if (!config.MEDIA_CONTROL_TLS_CERT || !config.MEDIA_CONTROL_TLS_KEY) return undefined;
  return { cert: readFileSync(config.MEDIA_CONTROL_TLS_CERT, 'utf8'), key: readFileSync(config.MEDIA_CONTROL_TLS_KEY, 'utf8') };
}

/** The signal node's TLS settings from the CA file, or none (it then reaches media nodes at whatever address they give). */
export function controlTlsClient(config: { MEDIA_CONTROL_TLS_CA?: string | undefined }): ControlTlsClient | undefined {
  return config.MEDIA_CONTROL_TLS_CA ? { ca: readFileSync(config.MEDIA_CONTROL_TLS_CA, 'utf8') } : undefined;
}
