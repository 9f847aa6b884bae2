import {
  encodeMppReceipt,
  isPaymentAuthorization,
  isProtocolError,
  MPP_CHARGE_INTENT,
  MPP_METHODS,
  parseMppCredential,
  REASONS,
  type MppReceipt,
} from '@turnpike/protocol';
import type { ExtractedProof, PaymentDialect } from '../dialect.js';

const NONE: ExtractedProof = { kind: 'none' };
const METHODS: ReadonlySet<string> = new Set(Object.values(MPP_METHODS));

/**
 * MPP, the "Payment" HTTP authentication scheme: `Authorization: Payment <base64url JSON>` echoing
 * one of the 402's `WWW-Authenticate: Payment` challenges with the method's payload; the receipt
 * goes back in `Payment-Receipt`. Only the `Payment` scheme is read here (a `Bearer` token in the
 * same header is the token checker's). The credential is parsed here; the portal verifies the
 * challenge's HMAC id, its payload and the payment.
 */
export const mppDialect: PaymentDialect = {
  proofType: 'mpp',
  extract(headers) {
    const auth = headers.authorization;
    if (auth === undefined || !isPaymentAuthorization(auth)) return NONE;
    try {
      const credential = parseMppCredential(auth);
      if (!METHODS.has(credential.challenge.method) || credential.challenge.intent !== MPP_CHARGE_INTENT)
        return { kind: 'invalid', reason: REASONS.MPP_METHOD_UNSUPPORTED };
      return { kind: 'proof', proof: { type: 'mpp', credential } };
    } catch (err) {
      if (isProtocolError(err)) return { kind: 'invalid', reason: err.code };
      throw err;
    }
  },
  receiptHeaders(proof, granted) {
    if (proof.type !== 'mpp' || !isMppReceipt(granted.receipt)) return {};
    return { 'payment-receipt': encodeMppReceipt(granted.receipt) };
  },
};

function isMppReceipt(x: unknown): x is MppReceipt {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    r.status === 'success' &&
    typeof r.method === 'string' &&
    typeof r.reference === 'string' &&
    typeof r.challengeId === 'string' &&
    typeof r.timestamp === 'string'
  );
}
