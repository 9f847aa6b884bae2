import {
  decodeX402Header,
  encodeX402Header,
  isProtocolError,
  X402_HEADERS,
  x402PaymentPayloadV1Schema,
  x402PaymentPayloadV2Schema,
} from '@turnpike/protocol';
import type { ExtractedProof, PaymentDialect } from '../dialect.js';

const NONE: ExtractedProof = { kind: 'none' };

/**
 * x402: v2 `PAYMENT-SIGNATURE` (receipt in `PAYMENT-RESPONSE`) and v1 `X-PAYMENT` (receipt in
 * `X-PAYMENT-RESPONSE`). The payload is only decoded here; the portal verifies and settles it.
 */
export const x402Dialect: PaymentDialect = {
  proofType: 'x402',
  extract(headers) {
    const v2 = headers[X402_HEADERS.paymentSignature];
    const v1 = headers[X402_HEADERS.v1Payment];
    if (v2 === undefined && v1 === undefined) return NONE;
    try {
      if (v2 !== undefined)
        return {
          kind: 'proof',
          proof: { type: 'x402', version: 2, payload: decodeX402Header(v2, x402PaymentPayloadV2Schema) },
        };
      return {
        kind: 'proof',
        proof: { type: 'x402', version: 1, payload: decodeX402Header(v1!, x402PaymentPayloadV1Schema) },
      };
    } catch (err) {
      if (isProtocolError(err)) return { kind: 'invalid', reason: err.code };
      throw err;
    }
  },
  receiptHeaders(proof, granted) {
    if (proof.type !== 'x402' || granted.receipt === undefined) return {};
    return {
      [proof.version === 2 ? 'payment-response' : 'x-payment-response']: encodeX402Header(granted.receipt),
    };
  },
};
