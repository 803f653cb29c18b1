import { createLogger, loadConfig, mediaSettings, startMediaNode, type MediaNode } from '@care/server';

/** A media node (CARE_ROLE=media) in this process, on loopback, one worker, its control port picked by the system; `env` adds settings. */
export async function startMediaNodeHere(redisUrl: string, secret: string, env: Record<string, string> = {}): Promise<MediaNode> {
  const config = loadConfig({
    CARE_ROLE: 'media',
    REDIS_URL: redisUrl,
    MEDIA_CONTROL_SECRET: secret,
    MEDIA_CONTROL_PORT: '0',
    MEDIA_PORT_BASE: '0',
    MEDIA_WORKERS: '1',
    NODE_ENV: 'test',
    ...(process.env.MEDIASOUP_WORKER_BIN ? { MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN } : {}),
    ...env,
  });
  return startMediaNode(config, mediaSettings(config), createLogger('warn'));
}
