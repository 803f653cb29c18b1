import ipaddr from 'ipaddr.js';

/**
 * The unit a per-address limit counts: one IPv4 address, or one IPv6 /64
 * (a single subscriber usually holds a whole /64, so counting single IPv6
 * addresses would give one attacker 2^64 budgets). IPv4-mapped IPv6
 * addresses count as their IPv4 address.
 */
export function addressBucket(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return 'unknown';
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  return `${(address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
}
