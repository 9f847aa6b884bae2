import type { EvmNetwork, NetworkRegistry } from '@turnpike/protocol';
import type { SettleVerifier, SettleVerifiers } from '../internal-api/settle-verifiers.js';
import type { ProofsConfig } from './config.js';
import { createProofVerifiers } from './create-proof-verifiers.js';
import { createRelayer, type Relayer } from './x402/relayer.js';

/**
 * Everything the portal wires from `proofs:` config: the settle verifiers (the Map
 * `createSettleVerifiers` returns) and, in relayer mode,
 * the relayer (its `address` and `status()` — gas balance per network — for /readyz and metrics).
 */
export function createProofsFromConfig(
  config: ProofsConfig,
  portal: {
    registry: NetworkRegistry;
    rpcUrls: ReadonlyMap<string, readonly string[]>;
    rpcTimeoutMs?: number;
    solanaTx?: SettleVerifier;
  },
): {
  verifierMap: SettleVerifiers;
  relayer: Relayer | undefined;
} {
  const x402 = config.x402;
  const relayer =
    x402?.enabled && x402.mode === 'relayer' && x402.relayerKey !== undefined
      ? createRelayer({
          key: x402.relayerKey,
          rpcUrls: portal.rpcUrls,
          networks: portal.registry.list().filter((n): n is EvmNetwork => n.kind === 'evm'),
          rpcTimeoutMs: portal.rpcTimeoutMs ?? 5_000,
        })
      : undefined;
  const verifiers = createProofVerifiers({ config, relayer, solanaTx: portal.solanaTx });
  const verifierMap: SettleVerifiers = new Map();
  for (const key of ['tx', 'x402'] as const) {
    const v = verifiers[key];
    if (v) verifierMap.set(key, v);
  }
  return { verifierMap, relayer };
}
