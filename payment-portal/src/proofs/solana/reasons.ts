/**
 * Wire reasons the Solana proofs need that are not (yet) in @turnpike/protocol's REASONS. Same
 * snake_case style; to be merged into protocol.
 */
export const SOLANA_REASONS = {
  /** Every RPC endpoint of the network failed or timed out: nothing could be verified (retry). */
  CHAIN_UNAVAILABLE: 'chain_unavailable',
} as const;

export type SolanaReason = (typeof SOLANA_REASONS)[keyof typeof SOLANA_REASONS];
