import type { NetworkRegistry } from '@turnpike/protocol';
import { ConfigError, type Logger } from '@turnpike/protocol/service';
import type { Registry } from 'prom-client';
import type { PortalConfig } from '../config/schema.js';
import {
  createFeePayerMonitor,
  createSettleVerifiers,
  loadSolanaFeePayer,
  registerFeePayerMetrics,
  registerRelayerMetrics,
  svmRpcFor,
  type FeePayerMonitor,
  type Relayer,
  type SettleVerifiers,
  type SolanaFeePayer,
} from '../proofs/index.js';

/**
 * The x402 Solana fee payer from `proofs.x402.solana.feePayerKey` (absent when not configured). A
 * key that is not one is a ConfigError whose message never repeats it.
 */
export function loadFeePayer(config: PortalConfig): SolanaFeePayer | undefined {
  const x402 = config.proofs.x402;
  if (!x402?.enabled || x402.solana === undefined) return undefined;
  try {
    return loadSolanaFeePayer(x402.solana.feePayerKey);
  } catch (err) {
    if (err instanceof TypeError) throw new ConfigError([err.message]);
    throw err;
  }
}

/**
 * The fee payer's balance monitor on the Solana networks it settles on, with its gauges registered
 * (for /readyz and metrics).
 */
export function monitorFeePayer(
  config: PortalConfig,
  feePayer: SolanaFeePayer,
  deps: {
    networks: readonly string[];
    rpcUrls: ReadonlyMap<string, readonly string[]>;
    registryMetrics: Registry;
    logger: Logger;
  },
): FeePayerMonitor {
  const rpcFor = svmRpcFor(deps.rpcUrls, 5_000);
  const monitor = createFeePayerMonitor({
    address: feePayer.address,
    lowBalanceLamports: BigInt(config.proofs.x402?.solana?.lowBalanceLamports ?? 0),
    networks: deps.networks,
    submitFor: (network) => rpcFor(network)?.submit,
    timeoutMs: 5_000,
    logger: deps.logger,
  });
  registerFeePayerMetrics(deps.registryMetrics, monitor);
  return monitor;
}

/**
 * The settle verifiers from `proofs:` config (or the ones given, in tests) and, in relayer mode,
 * the relayer with its metrics registered.
 */
export function wireProofs(
  config: PortalConfig,
  deps: {
    registry: NetworkRegistry;
    rpcUrls: ReadonlyMap<string, readonly string[]>;
    registryMetrics: Registry;
    verifiers?: SettleVerifiers | undefined;
    solanaFeePayer?: SolanaFeePayer | undefined;
  },
): { verifiers: SettleVerifiers; relayer: Relayer | undefined } {
  if (deps.verifiers) return { verifiers: deps.verifiers, relayer: undefined };
  let wired;
  try {
    wired = createSettleVerifiers(config.proofs, {
      registry: deps.registry,
      rpcUrls: deps.rpcUrls,
      solanaFeePayer: deps.solanaFeePayer,
    });
  } catch (err) {
    // createRelayer refuses a key that is not one (its message never repeats the key).
    if (err instanceof TypeError) throw new ConfigError([err.message]);
    throw err;
  }
  if (wired.relayer) registerRelayerMetrics(deps.registryMetrics, wired.relayer);
  return wired;
}
