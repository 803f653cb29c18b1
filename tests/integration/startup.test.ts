import net from 'node:net';
import { PortInUseError } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../support/test-platform.js';

let blocker: net.Server;
let busyPort: number;

beforeAll(async () => {
  blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  busyPort = (blocker.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

describe('starting on a busy port', () => {
  it('stops with a message naming PORT when fallback is off', async () => {
    const attempt = startTestPlatform({ PORT: String(busyPort), PORT_FALLBACK: 'false' });
    await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
    await expect(attempt).rejects.toThrow(new RegExp(`PORT ${busyPort} .* already in use`));
  });

  it('takes another free port when fallback is on (as npm start does)', async () => {
    const t = await startTestPlatform({ PORT: String(busyPort), PORT_FALLBACK: 'true' });
    try {
      expect(t.platform.port).not.toBe(busyPort);
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      expect(t.logs.join('')).toContain('PORT was in use');
    } finally {
      await t.close();
    }
  });
});
