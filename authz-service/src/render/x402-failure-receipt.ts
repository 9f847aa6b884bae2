import {
  decodeX402Header,
  encodeX402Header,
  REASONS,
  X402_HEADERS,
  x402PaymentPayloadV1Schema,
  x402PaymentPayloadV2Schema,
} from '@turnpike/protocol';
import { x402ErrorText } from './x402-error-text.js';

/** Turnpike reasons with an x402 error code of their own (x402-specification-v2.md §9). */
const X402_CODES: Readonly<Record<string, string>> = {
  [REASONS.X402_INSUFFICIENT_BALANCE]: 'insufficient_funds',
  [REASONS.X402_SIGNATURE_INVALID]: 'invalid_exact_evm_payload_signature',
  [REASONS.X402_AUTHORIZATION_EXPIRED]: 'invalid_exact_evm_payload_authorization_valid_before',
  [REASONS.X402_AUTHORIZATION_NOT_YET_VALID]: 'invalid_exact_evm_payload_authorization_valid_after',
  [REASONS.X402_VALUE_MISMATCH]: 'invalid_exact_evm_payload_authorization_value',
  [REASONS.X402_RECIPIENT_MISMATCH]: 'invalid_exact_evm_payload_recipient_mismatch',
  [REASONS.X402_SETTLE_FAILED]: 'unexpected_settle_error',
};

/**
 * The settlement response of a failed x402 payment (x402 HTTP transport, "Example (Failure)":
 * a 402 with `PAYMENT-RESPONSE` — v1 `X-PAYMENT-RESPONSE` — holding `success: false` and
 * `errorReason`), for a 402 answering a request that carried an x402 payload. `errorReason` is
 * x402's code where it has one, else Turnpike's reason; `errorMessage` the human sentence.
 */
export function x402FailureHeaders(
  reason: string,
  headers: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const v2 = headers[X402_HEADERS.paymentSignature];
  const v1 = headers[X402_HEADERS.v1Payment];
  if (v2 === undefined && v1 === undefined) return {};
  let network = '';
  let payer: string | undefined;
  try {
    let payload: { payload: Record<string, unknown> };
    if (v2 !== undefined) {
      const p2 = decodeX402Header(v2, x402PaymentPayloadV2Schema);
      network = p2.accepted.network;
      payload = p2;
    } else {
      const p1 = decodeX402Header(v1!, x402PaymentPayloadV1Schema);
      network = p1.network;
      payload = p1;
    }
    const from = (payload.payload['authorization'] as { from?: unknown } | undefined)?.from;
    if (typeof from === 'string') payer = from;
  } catch {
    // A garbled payload is answered 400 before any 402; nothing more to say about it here.
  }
  const receipt = {
    success: false,
    errorReason: X402_CODES[reason] ?? reason,
    errorMessage: x402ErrorText(reason),
    transaction: '',
    network,
    ...(payer === undefined ? {} : { payer }),
  };
  return {
    [v2 !== undefined ? X402_HEADERS.paymentResponse : X402_HEADERS.v1PaymentResponse]:
      encodeX402Header(receipt),
  };
}
