import type { SettleRequest, SettleResponse, X402Proof } from '@turnpike/protocol';
import type { ProofContext } from '../../context.js';
import { idempotencyFingerprint } from './fingerprint.js';
import { paymentIdentifierOf } from './payment-identifier.js';
import { settleOncePerIdentifier, type PaymentIdentifierConfig } from './settle-once.js';

/**
 * An x402 settlement under the payload's `payment-identifier` id, when it carries one: settled once
 * per id across replicas, retries answered with the first outcome (settleOncePerIdentifier).
 * Without an id, `settle` runs as it is.
 */
export function withPaymentIdentifier(
  request: SettleRequest & { proof: X402Proof },
  pctx: ProofContext,
  config: PaymentIdentifierConfig,
  settle: () => Promise<SettleResponse>,
): Promise<SettleResponse> {
  const id = paymentIdentifierOf(request.proof);
  if (id === undefined) return settle();
  return settleOncePerIdentifier(pctx, id, idempotencyFingerprint(request), config, settle);
}
