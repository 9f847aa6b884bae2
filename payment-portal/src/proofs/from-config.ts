import type { EvmNetwork, NetworkRegistry } from '@turnpike/protocol';
import type { SettleVerifier, SettleVerifiers } from './settle-verifiers.js';
import type { ProofsConfig } from './config.js';
import { createProofVerifiers, PROOF_TYPES } from './create-proof-verifiers.js';
import { createSolanaTxVerifier } from './solana/create-verifier.js';
import { createRelayer, type Relayer } from './x402/relayer.js';
import { svmRpcFor, type SolanaFeePayer, type SvmX402Deps } from './x402/svm/index.js';

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
    /** The x402 Solana fee payer, loaded from `proofs.x402.solana.feePayerKey` (loadSolanaFeePayer). */
    solanaFeePayer?: SolanaFeePayer | undefined;
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
  const svm: SvmX402Deps | undefined =
    x402?.enabled && x402.solana !== undefined && portal.solanaFeePayer !== undefined
      ? {
          config: x402.solana,
          feePayer: portal.solanaFeePayer,
          rpcFor: svmRpcFor(portal.rpcUrls, portal.rpcTimeoutMs ?? 5_000),
        }
      : undefined;
  const verifiers = createProofVerifiers({ config, relayer, solanaTx: portal.solanaTx, svm });
  const verifierMap: SettleVerifiers = new Map();
  for (const key of PROOF_TYPES) {
    const v = verifiers[key];
    if (v) verifierMap.set(key, v);
  }
  return { verifierMap, relayer };
}

/**
 * The settle verifiers of a running portal, from its `proofs:` config: `tx` proofs go to the EVM
 * verifier or, for a network of kind 'solana', to the Solana verifier (reference-key binding);
 * `x402` to the relayer or the facilitator. A disabled proof type has no entry and is answered
 * `proof_unsupported`. Also returns the relayer (relayer mode), for /readyz and metrics.
 */
export function createSettleVerifiers(
  config: ProofsConfig,
  portal: {
    registry: NetworkRegistry;
    rpcUrls: ReadonlyMap<string, readonly string[]>;
    solanaFeePayer?: SolanaFeePayer | undefined;
  },
): { verifiers: SettleVerifiers; relayer: Relayer | undefined } {
  const solanaTx = createSolanaTxVerifier({ clockSkewMs: config.tx.clockSkewSeconds * 1_000 });
  const { verifierMap, relayer } = createProofsFromConfig(config, { ...portal, solanaTx });
  return { verifiers: verifierMap, relayer };
}
