import { REASONS } from '@turnpike/protocol';

/**
 * The human sentence x402 puts in `error` ("Human-readable error message explaining why payment
 * is required", x402 v1 and v2 specs); the stable code stays in Turnpike's own `reason`.
 */
const TEXT: Readonly<Record<string, string>> = {
  [REASONS.TOKEN_MISSING]: 'Payment required to access this resource',
  [REASONS.TOKEN_EXPIRED]: 'The access token has expired: payment required again',
  [REASONS.TOKEN_MALFORMED]: 'The access token is malformed: payment required',
  [REASONS.TOKEN_SIGNATURE_INVALID]: 'The access token is not valid here: payment required',
  [REASONS.TOKEN_SCOPE_MISMATCH]: 'The access token does not cover this resource: payment required',
  [REASONS.TOKEN_CLAIMS_INSUFFICIENT]: 'The access token does not grant this resource: payment required',
  [REASONS.TOKEN_AUDIENCE_MISMATCH]: 'The access token is for another site: payment required',
  [REASONS.PAYMENT_PENDING]: 'The payment is not confirmed yet: retry the same proof after Retry-After',
  [REASONS.PAYMENT_UNDERPAID]: 'Payment failed: the amount paid is less than the price',
  [REASONS.PAYMENT_ALREADY_REDEEMED]: 'Payment failed: this payment was already used',
  [REASONS.PAYMENT_NOT_FOUND]: 'Payment failed: the transaction was not found',
  [REASONS.PAYMENT_REVERTED]: 'Payment failed: the transaction reverted',
  [REASONS.PAYMENT_WRONG_RECIPIENT]: 'Payment failed: the payment went to another address',
  [REASONS.PAYMENT_WRONG_ASSET]: 'Payment failed: the payment is in another asset',
  [REASONS.PAYMENT_WRONG_NETWORK]: 'Payment failed: the payment is on another network',
  [REASONS.X402_SIGNATURE_INVALID]: 'Payment failed: the authorization signature is invalid',
  [REASONS.X402_AUTHORIZATION_EXPIRED]: 'Payment failed: the authorization has expired',
  [REASONS.X402_AUTHORIZATION_NOT_YET_VALID]: 'Payment failed: the authorization is not valid yet',
  [REASONS.X402_RECIPIENT_MISMATCH]: 'Payment failed: the authorization pays another address',
  [REASONS.X402_VALUE_MISMATCH]: 'Payment failed: the authorization is for another amount',
  [REASONS.X402_NONCE_USED]: 'Payment failed: the authorization was already used',
  [REASONS.X402_INSUFFICIENT_BALANCE]: 'Payment failed: insufficient funds',
  [REASONS.X402_SETTLE_FAILED]: 'Payment failed: settlement failed',
};

export function x402ErrorText(reason: string): string {
  return TEXT[reason] ?? `Payment required (${reason.replace(/_/g, ' ')})`;
}

/** What `error` adds when no offer has an x402 v1 network name (the v1 part is left out). */
export const X402_V1_UNAVAILABLE =
  'x402 v1 cannot pay here: no offer is on a network with an x402 v1 name (a v1 client signs for the chain its network name stands for); pay with x402 v2 (PAYMENT-REQUIRED header) or a transaction (paymentDetails)';
