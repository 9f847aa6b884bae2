import { REASONS } from '@turnpike/protocol';

/** The reasons only the proof verifiers raise (defined, like all reasons, in protocol). */
export const PROOF_REASONS = {
  /** Every RPC endpoint of the proof's network failed or timed out: nothing was decided, retry. */
  CHAIN_UNAVAILABLE: REASONS.CHAIN_UNAVAILABLE,
} as const;

export type ProofReason = (typeof PROOF_REASONS)[keyof typeof PROOF_REASONS];
