import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtherOrigin {
  /** e.g. http://localhost:41234: the same site as the app (cookies go along), another origin. */
  url: string;
  close(): Promise<void>;
}

/**
 * A page of another origin on this machine, as an attacker who controls a
 * sibling site would serve it: every GET answers the given HTML.
 */
export async function startOtherOrigin(html: string, hostname = 'localhost'): Promise<OtherOrigin> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${hostname}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
