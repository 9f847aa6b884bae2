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
  // BlockList.check builds a native SocketAddress per call (~10 µs with its garbage), on every
  // request; a gateway fleet is a handful of peers, so answers are remembered (bounded).
  const known = new Map<string, boolean>();
  return {
    has(address) {
      let trusted = known.get(address);
      if (trusted === undefined) {
        trusted = check(list, address);
        if (known.size >= MAX_REMEMBERED) known.clear();
        known.set(address, trusted);
      }
      return trusted;
    },
  };
}

/** Addresses whose answer is remembered; past it the memory starts over. */
const MAX_REMEMBERED = 4096;

function check(list: BlockList, address: string): boolean {
  try {
    return list.check(address, isV4(address) ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
}

function isV4(address: string): boolean {
  return !address.includes(':');
}
