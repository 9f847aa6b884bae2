import { isIP } from 'node:net';

export interface IpRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * `10.0.0.0/8`, `fd00::/8`, or a single address (`127.0.0.1` = /32, `::1` = /128); undefined for
 * anything else (a host name, a prefix out of range).
 */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (slash === -1) return { address, prefix: max, family };
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return { address, prefix: Number(bits), family };
}
