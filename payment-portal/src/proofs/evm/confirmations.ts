import type { EvmNetwork } from '@turnpike/protocol';
import type { ProofsConfig } from '../config.js';

// Typical block times, for Retry-After only (never for a decision).
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

/** Seconds until `missingBlocks` more blocks are likely mined (at least 1). */
export function retryAfterSeconds(
  network: EvmNetwork,
  netCfg: ProofsConfig['tx']['networks'][string],
  missingBlocks: number,
): number {
  const perBlock = netCfg.blockTimeSeconds ?? BLOCK_SECONDS[network.chainId] ?? 2;
  return Math.max(1, Math.ceil(perBlock * missingBlocks));
}
