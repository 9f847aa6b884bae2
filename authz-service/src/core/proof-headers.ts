import { isPaymentAuthorization, SIWX_HEADER, X402_HEADERS } from '@turnpike/protocol';

/** The request headers that carry a payment proof (tx hash, x402 payload, SIWX). */
export const PROOF_HEADERS = [
  'x-payment-chain',
  'x-payment-tx',
  'x-payment-challenge',
  X402_HEADERS.paymentSignature,
  X402_HEADERS.v1Payment,
  SIWX_HEADER,
] as const;

/**
 * True when the request carries anything that may be a payment proof: one of
 * {@link PROOF_HEADERS}, or an MPP credential (`Authorization: Payment …`). Garbled ones count:
 * the question is whether the answer could depend on the proof, not whether it is valid.
 */
export function hasProofHeader(headers: Record<string, string | undefined>): boolean {
  for (const name of PROOF_HEADERS) if (headers[name] !== undefined) return true;
  const auth = headers.authorization;
  return auth !== undefined && isPaymentAuthorization(auth);
}
