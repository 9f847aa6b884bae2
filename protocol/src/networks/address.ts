import { decodeBase58, getAddress } from 'ethers';
import { ProtocolError } from '../errors.js';
import { REASONS } from '../reasons.js';
import type { Network } from './types.js';

const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

/**
 * EIP-55 checksummed form of an EVM address, or null. All-lowercase and all-uppercase input is
 * accepted (no checksum to check); mixed case must carry a valid checksum.
 */
export function checksumEvmAddress(value: string): string | null {
  if (!EVM_ADDRESS.test(value)) return null;
  try {
    return getAddress(value);
  } catch {
    return null;
  }
}

/** True when `value` is base58 for exactly 32 bytes (a Solana public key / mint). */
export function isSolanaAddress(value: string): boolean {
  if (!BASE58.test(value)) return false;
  const leadingZeros = /^1*/.exec(value)?.[0].length ?? 0;
  const rest = value.slice(leadingZeros);
  let byteLength = 0;
  if (rest.length > 0) {
    const n = decodeBase58(rest);
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
