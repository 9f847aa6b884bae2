/** Solana payment proofs: the reference-key binding, transaction reading and the settle verifier (docs/solana.md). */
export { createSolanaTxVerifier, type SolanaTxVerifierOptions } from './create-verifier.js';
export { verifySolanaTxProof, type SolanaVerifyDeps } from './verify-tx-proof.js';
export { readSolanaPayment, type ReadPaymentResult, type SolanaOfferExpectation } from './read-payment.js';
export { newSolanaReference, isBase58OfLength } from './reference-key.js';
export {
  createSolanaRpcClient,
  readableCommitment,
  SolanaRpcUnavailableError,
  type SolanaCommitment,
  type SolanaRpcClient,
  type SolanaRpcClientOptions,
} from './rpc.js';
export {
  creditSolanaReferences,
  findOffersByReferences,
  knownSignatures,
  lockInvoices,
  recordSolanaPayment,
  watchedSolanaOffers,
  SOLANA_LOG_INDEX,
  type SolanaOfferRow,
  type SolanaPaymentInput,
} from './store.js';
export { solanaTxSchema, allAccountKeys, type SolanaTx } from './tx-schema.js';
export { SOLANA_REASONS, type SolanaReason } from './reasons.js';
