/**
 * The redemption ledger every payment dialect (transaction hash, x402, and later MPP) credits
 * through: one payment, one credit — `(network, tx, log index)` is redeemed once — and one grant
 * per binding, returned again when the same proof is presented again.
 */
export {
  challengeBinding,
  mppChallengeBinding,
  unboundTxBinding,
  x402Binding,
  type ProofBinding,
} from './binding.js';
export { tokenForGrant, type Grant } from './grant.js';
export { findBoundGrant } from './find-bound-grant.js';
export { creditProof, type CreditProofResult, type ProofCredit } from './credit-proof.js';
export { creditInvoice, type CreditInput, type CreditInvoiceResult } from './credit-invoice.js';
export { findPayerGrant } from './find-payer-grant.js';
export { findGrantByInvoice } from './find-grant-by-invoice.js';
export { creditSubjectOf } from './credit-subject.js';
export { grantOpens } from './grant-opens.js';
