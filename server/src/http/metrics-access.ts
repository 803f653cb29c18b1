import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';

export interface MetricsAccessOptions {
  /** Networks a scraper may come from (req.ip, so X-Forwarded-For of a proxy on this machine counts). */
  allow: ReadonlyArray<{ address: string; prefix: number; family: 'ipv4' | 'ipv6' }>;
  /** A bearer token that admits a scraper from anywhere. */
  token?: string | undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * /metrics says how busy the service is (connections, rooms, process
 * figures): nothing about people, but nothing for the public either. Only a
 * configured scrape network or the token may read it; everyone else gets 403.
 */
export function metricsAccess({ allow, token }: MetricsAccessOptions) {
  const networks = new net.BlockList();
  for (const { address, prefix, family } of allow) networks.addSubnet(address, prefix, family);
  // Compared as digests, so the comparison takes the same time whatever was sent.
  const expected = token ? digest(`Bearer ${token}`) : undefined;
  return (req: Request, _res: Response, next: NextFunction): void => {
    const address = req.ip ?? '';
    const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    const fromNetwork = net.isIP(address) !== 0 && networks.check(address, family);
    const authorization = req.get('authorization');
    const withToken = expected !== undefined && authorization !== undefined && timingSafeEqual(digest(authorization), expected);
    if (!fromNetwork && !withToken) throw new AppError('forbidden', 'Metrics are only for the configured scraper.');
    next();
  };
}
