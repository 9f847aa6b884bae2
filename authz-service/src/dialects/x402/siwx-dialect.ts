import { REASONS, SIWX_HEADER } from '@turnpike/protocol';
import type { ExtractedProof, PaymentDialect } from '../dialect.js';

const NONE: ExtractedProof = { kind: 'none' };
/** Base64 (standard or url-safe) of at most 8 KiB: a CAIP-122 message with its signature is ~1 KiB. */
const SIWX_VALUE = /^[A-Za-z0-9+/_-]{16,8192}={0,2}$/;

/**
 * x402 sign-in-with-x: `SIGN-IN-WITH-X` carries a signed CAIP-122 message by which a returning payer
 * proves it holds the address that paid. Not a payment: the portal answers with the grant that
 * address already bought for this resource (or refuses, and the client pays). Read after x402's
 * own headers, so a request carrying a payment is settled as one.
 */
export const siwxDialect: PaymentDialect = {
  proofType: 'siwx',
  extract(headers) {
    const value = headers[SIWX_HEADER];
    if (value === undefined) return NONE;
    const header = value.trim();
    if (!SIWX_VALUE.test(header)) return { kind: 'invalid', reason: REASONS.SIWX_INVALID };
    return { kind: 'proof', proof: { type: 'siwx', header } };
  },
};
