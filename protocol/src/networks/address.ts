import { keccak_256 } from '@noble/hashes/sha3';
import { ProtocolError } from '../errors.js';
import { REASONS } from '../reasons.js';
import type { Network } from './types.js';

const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const utf8 = new TextEncoder();

/**
 * EIP-55: a hex letter is upper-case where the matching nibble of keccak256(lower-case hex) is
 * ≥ 8. Written here over @noble/hashes rather than imported from ethers, which would cost the
 * authorizer ~22 MB of memory for one function.
 */
function eip55(lowerHex: string): string {
  const hash = keccak_256(utf8.encode(lowerHex));
  let out = '0x';
  for (let i = 0; i < lowerHex.length; i += 1) {
    const nibble = ((hash[i >> 1] ?? 0) >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    const c = lowerHex.charAt(i);
    out += nibble >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/**
 * EIP-55 checksummed form of an EVM address, or null. All-lowercase and all-uppercase input is
 * accepted (no checksum to check); mixed case must carry a valid checksum.
 */
export function checksumEvmAddress(value: string): string | null {
  if (!EVM_ADDRESS.test(value)) return null;
  const body = value.slice(2);
  const checksummed = eip55(body.toLowerCase());
  if (body === body.toLowerCase() || body === body.toUpperCase()) return checksummed;
  return checksummed === value ? checksummed : null;
}

/** True when `value` is base58 for exactly 32 bytes (a Solana public key / mint). */
export function isSolanaAddress(value: string): boolean {
  if (!BASE58.test(value)) return false;
  const leadingZeros = /^1*/.exec(value)?.[0].length ?? 0;
  const rest = value.slice(leadingZeros);
  let byteLength = 0;
  if (rest.length > 0) {
    let n = 0n;
    for (const ch of rest) n = n * 58n + BigInt(BASE58_ALPHABET.indexOf(ch));
    byteLength = n === 0n ? 0 : Math.ceil(n.toString(16).length / 2);
  }
  return leadingZeros + byteLength === 32;
}

/**
 * The canonical form of a receive address on `network` (EVM: checksummed; Solana: unchanged).
 * Throws ProtocolError `address_invalid`.
 */
export function normalizeNetworkAddress(network: Network, value: string): string {
  if (network.kind === 'evm') {
    const a = checksumEvmAddress(value);
    if (a === null) throw new ProtocolError(REASONS.ADDRESS_INVALID, `not an EVM address on ${network.name}`);
    return a;
  }
  if (!isSolanaAddress(value))
    throw new ProtocolError(REASONS.ADDRESS_INVALID, `not a Solana address on ${network.name}`);
  return value;
}
