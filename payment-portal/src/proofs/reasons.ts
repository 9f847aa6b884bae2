/**
 * Reasons the proof verifiers need that `REASONS` (@turnpike/protocol) does not have yet; to be
 * merged there (same snake_case style, never renamed).
 */
export const PROOF_REASONS = {
  /** Every RPC endpoint of the proof's network failed or timed out: nothing was decided, retry. */
  CHAIN_UNAVAILABLE: 'chain_unavailable',
} as const;

export type ProofReason = (typeof PROOF_REASONS)[keyof typeof PROOF_REASONS];
