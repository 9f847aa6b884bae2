import type { EvmNetwork } from '@turnpike/protocol';
import type { ProofsConfig } from '../config.js';

// Typical block times, for Retry-After and how long a chain-head read is reused (never for a
// decision: a reused head can only understate confirmations, and is read again before refusing).
const BLOCK_SECONDS: Readonly<Record<number, number>> = {
  1: 12,
  11155111: 12,
  137: 2,
  80002: 2,
  8453: 2,
  84532: 2,
  43114: 2,
  43113: 2,
};

/** Blocks on top of the including block before a transfer counts: the proof config's, else the network's. */
export function confirmationsNeeded(
  network: EvmNetwork,
  netCfg: ProofsConfig['tx']['networks'][string],
): number {
  return netCfg.confirmations ?? network.confirmations;
}

/** The network's typical seconds per block: the proof config's, else a known chain's, else 2. */
export function blockSeconds(network: EvmNetwork, netCfg: ProofsConfig['tx']['networks'][string]): number {
  return netCfg.blockTimeSeconds ?? BLOCK_SECONDS[network.chainId] ?? 2;
}

/** Seconds until `missingBlocks` more blocks are likely mined (at least 1). */
export function retryAfterSeconds(
  network: EvmNetwork,
  netCfg: ProofsConfig['tx']['networks'][string],
  missingBlocks: number,
): number {
  const perBlock = blockSeconds(network, netCfg);
  return Math.max(1, Math.ceil(perBlock * missingBlocks));
}
