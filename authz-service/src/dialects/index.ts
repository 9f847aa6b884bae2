import type { PaymentDialect } from './dialect.js';
import { mppDialect } from './mpp/mpp-dialect.js';
import { txDialect } from './tx/tx-dialect.js';
import { siwxDialect } from './x402/siwx-dialect.js';
import { x402Dialect } from './x402/x402-dialect.js';

export type { ExtractedProof, PaymentDialect } from './dialect.js';

/**
 * Every payment dialect the authorizer reads, in the order a request carrying several is read:
 * the first that finds its own headers decides (x402, then MPP's `Authorization: Payment`, then an
 * x402 sign-in — only when no payment came with it — then a bare transaction hash).
 */
export const PAYMENT_DIALECTS: readonly PaymentDialect[] = [x402Dialect, mppDialect, siwxDialect, txDialect];

/** The dialect that produces proofs of `type`. */
export function dialectFor(type: string): PaymentDialect | undefined {
  return PAYMENT_DIALECTS.find((d) => d.proofType === type);
}
