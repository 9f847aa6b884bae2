import { REASONS } from '@turnpike/protocol';

/** The reasons the Solana proofs first defined here, now in @turnpike/protocol's REASONS. */
export const SOLANA_REASONS = {
  /** Every RPC endpoint of the network failed or timed out: nothing could be verified (retry). */
  CHAIN_UNAVAILABLE: REASONS.CHAIN_UNAVAILABLE,
} as const;

export type SolanaReason = (typeof SOLANA_REASONS)[keyof typeof SOLANA_REASONS];
