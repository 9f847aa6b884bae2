/**
 * Payment proofs on the request path: transaction-hash proofs on EVM chains (the ZelfProof flow)
 * and x402 `exact` payments (EIP-3009), verified, settled and credited once. See
 * docs/payments-from-programs.md.
 */
export { proofsConfigSchema, type ProofsConfig, type ProofsConfigInput } from './config.js';
export {
  createProofVerifiers,
  createProofHandlers,
  type ProofVerifier,
  type ProofVerifierDeps,
} from './create-proof-verifiers.js';
export { proofContextFrom, ProofRefusal, type ProofContext } from './context.js';
export { createRelayer, type Relayer, type RelayerOptions, type RelayerStatus } from './x402/relayer.js';
export { registerRelayerMetrics } from './x402/relayer-metrics.js';
export { createProofsFromConfig, createSettleVerifiers } from './from-config.js';
export type { SettleVerifier, SettleVerifiers } from './settle-verifiers.js';
export {
  createFacilitatorClient,
  facilitatorReason,
  type FacilitatorClient,
  type FacilitatorOptions,
} from './x402/facilitator-client.js';
export { PROOF_REASONS, type ProofReason } from './reasons.js';
export {
  checkAuthorization,
  checkAuthorizationOnChain,
  TRANSFER_WITH_AUTHORIZATION_TYPES,
  EIP3009_ABI,
} from './x402/authorization.js';
export {
  loadSolanaFeePayer,
  createFeePayerMonitor,
  registerFeePayerMetrics,
  svmRpcFor,
  type SolanaFeePayer,
  type FeePayerMonitor,
  type FeePayerStatus,
  type SvmX402Deps,
} from './x402/svm/index.js';
