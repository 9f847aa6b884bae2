import { BlockList } from 'node:net';
import { parseIpRange } from '../../config/ip-range.js';

/** The peers whose forwarded-address headers the authorizer believes. */
export interface TrustedProxies {
  has(address: string): boolean;
}

/**
 * Compiles `listeners.trustedProxies` (validated at start-up) into a lookup. node:net's BlockList
 * matches IPv4-mapped IPv6 peers (`::ffff:127.0.0.1`) against IPv4 ranges too.
 */
export function trustedProxies(ranges: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const text of ranges) {
    const range = parseIpRange(text);
    if (range === undefined) throw new Error(`not an IP range: ${text}`);
    list.addSubnet(range.address, range.prefix, range.family);
  }
  return {
    has(address) {
      const family = isV4(address) ? 'ipv4' : 'ipv6';
      try {
        return list.check(address, family);
      } catch {
        return false;
      }
    },
  };
}

function isV4(address: string): boolean {
  return !address.includes(':');
}
