import type { NetworkRegistry, SettleRequest, SettleResponse } from '@turnpike/protocol';
import type { PortalContext } from '../context.js';
import { createProofsFromConfig, type ProofsConfig, type Relayer } from '../proofs/index.js';
import { createSolanaTxVerifier } from '../proofs/solana/index.js';

/** Verifies one kind of payment proof and, on success, issues the token. */
export type SettleVerifier = (request: SettleRequest, ctx: PortalContext) => Promise<SettleResponse>;

/** Verifiers keyed by proof type ('tx', 'x402'). */
export type SettleVerifiers = Map<SettleRequest['proof']['type'], SettleVerifier>;

/**
 * The settle verifiers of a portal, from its `proofs:` config: `tx` proofs go to the EVM verifier
 * or, for a network of kind 'solana', to the Solana verifier (reference-key binding); `x402` to the
 * relayer or the facilitator. A proof type that is disabled has no entry and is answered
 * `proof_unsupported`. Also returns the relayer (relayer mode), for /readyz and metrics.
 */
export function createSettleVerifiers(
  config: ProofsConfig,
  portal: { registry: NetworkRegistry; rpcUrls: ReadonlyMap<string, readonly string[]> },
): { verifiers: SettleVerifiers; relayer: Relayer | undefined } {
  const solanaTx = createSolanaTxVerifier({ clockSkewMs: config.tx.clockSkewSeconds * 1_000 });
  const { verifierMap, relayer } = createProofsFromConfig(config, { ...portal, solanaTx });
  return { verifiers: verifierMap, relayer };
}
