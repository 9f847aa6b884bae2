import { ProtocolError } from '../errors.js';
import { decodeBase64Loose, decodeUtf8 } from '../internal/base64.js';
import type { NetworkRegistry } from '../networks/types.js';
import { REASONS } from '../reasons.js';
import { paymentRequestHeaderSchema } from './header-schema.js';
import { MAX_REQUEST_BYTES } from './limits.js';
import type { PaymentRequest } from './types.js';
import { validatePaymentRequest } from './validate.js';
import { describeZodError } from '../internal/zod-detail.js';

/**
 * Parses an `x-402-request` value (or `<meta>` content): base64 (standard or url-safe, padding
 * optional) of UTF-8 JSON, at most 8192 bytes before decoding. Throws ProtocolError with the
 * reason of the first problem found.
 */
export function decodePaymentRequest(value: string, registry: NetworkRegistry): PaymentRequest {
  if (typeof value !== 'string') throw new ProtocolError(REASONS.REQUEST_NOT_BASE64, 'not a string');
  const trimmed = value.trim();
  if (Buffer.byteLength(trimmed) > MAX_REQUEST_BYTES) {
    throw new ProtocolError(REASONS.REQUEST_TOO_LARGE, `over ${MAX_REQUEST_BYTES} bytes`);
  }
  const bytes = decodeBase64Loose(trimmed);
  if (bytes === null) throw new ProtocolError(REASONS.REQUEST_NOT_BASE64, 'not base64');
  const text = decodeUtf8(bytes);
  if (text === null) throw new ProtocolError(REASONS.REQUEST_NOT_JSON, 'not UTF-8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ProtocolError(REASONS.REQUEST_NOT_JSON, 'not JSON', { cause });
  }
  return paymentRequestFromJson(json, registry);
}

/** Validates an already-decoded payment request JSON value. */
export function paymentRequestFromJson(json: unknown, registry: NetworkRegistry): PaymentRequest {
  const parsed = paymentRequestHeaderSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError(REASONS.REQUEST_SCHEMA_INVALID, describeZodError(parsed.error));
  }
  const { claims, exp, description, customization, payment, proofs } = parsed.data;
  return validatePaymentRequest(
    {
      claims,
      exp,
      description,
      customization,
      requests: payment.requests,
      unboundTxProofs: proofs?.tx?.unbound === 'allow',
    },
    registry,
  );
}
