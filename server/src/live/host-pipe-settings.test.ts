import { PipePeerRange } from '@care/media';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { hostPipeSettings } from './host-pipe-settings.js';

const minimal = { REDIS_URL: 'redis://127.0.0.1:6379', MONGODB_URI: 'mongodb://127.0.0.1:27017', NODE_ENV: 'development' };

describe('pipe settings of a media host', () => {
  it('defaults to the private networks and a port range of its own', () => {
    const settings = hostPipeSettings(loadConfig(minimal));
    expect([settings.portMin, settings.portMax]).toEqual([41000, 41999]);
    const range = new PipePeerRange(settings);
    expect(range.allows('10.20.0.5', 41000)).toBe(true);
    expect(range.allows('192.168.1.9', 41999)).toBe(true);
    expect(range.allows('203.0.113.5', 41000)).toBe(false);
    expect(range.allows('127.0.0.1', 41000)).toBe(false);
  });

  it('takes the addresses, range and networks from the environment', () => {
    const settings = hostPipeSettings(
      loadConfig({ ...minimal, MEDIA_PIPE_LISTEN_IP: '10.20.0.5', MEDIA_PIPE_ANNOUNCED_IP: '10.30.0.5', MEDIA_PIPE_PORT_MIN: '42000', MEDIA_PIPE_PORT_MAX: '42010', MEDIA_PIPE_PEER_NETWORKS: '10.20.0.0/24' }),
    );
    expect(settings).toMatchObject({ listenIp: '10.20.0.5', announcedIp: '10.30.0.5', portMin: 42000, portMax: 42010 });
    const range = new PipePeerRange(settings);
    expect(range.allows('10.20.0.9', 42005)).toBe(true);
    expect(range.allows('10.20.1.9', 42005)).toBe(false);
  });

  it('names a bad value', () => {
    expect(() => loadConfig({ ...minimal, MEDIA_PIPE_LISTEN_IP: 'pipes.example' })).toThrowError(/MEDIA_PIPE_LISTEN_IP/);
    expect(() => loadConfig({ ...minimal, MEDIA_PIPE_PORT_MIN: '42000', MEDIA_PIPE_PORT_MAX: '41000' })).toThrowError(/MEDIA_PIPE_PORT_MIN.*MEDIA_PIPE_PORT_MAX/);
    expect(() => loadConfig({ ...minimal, MEDIA_PIPE_PEER_NETWORKS: '10.0.0.0/33' })).toThrowError(/MEDIA_PIPE_PEER_NETWORKS/);
  });
});
