import { ProtocolError } from '../errors.js';
import { decodeBase64Loose, decodeUtf8 } from '../internal/base64.js';
import type { NetworkRegistry } from '../networks/types.js';
import { REASONS } from '../reasons.js';
import { paymentRequestHeaderSchema } from './header-schema.js';
import { MAX_REQUEST_BYTES } from './limits.js';
import type { PaymentRequest } from './types.js';
import { validatePaymentRequest } from './validate.js';
import { describeZodError } from '../internal/zod-detail.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../internal/canonical-json.js';
import { DEFAULT_TOKEN_LIFETIME_MS, readDeclaredExp } from './declared-exp.js';

/** How a declaration is read beyond its own content. */
export interface DeclarationOptions {
  /** Token lifetime of a declaration without `exp` (default one hour). */
  defaultTokenLifetimeMs?: number;
  /**
   * Called when `exp` was read as a Go duration in nanoseconds (deprecated). `declaration` is a
   * digest of the declaration's JSON, so a caller can warn once per declaration.
   */
  onGoDurationExp?: (notice: { exp: number; lifetimeMs: number; declaration: string }) => void;
}

/**
 * Parses an `x-402-request` value (or `<meta>` content): base64 (standard or url-safe, padding
 * optional) of UTF-8 JSON, at most 8192 bytes before decoding. Throws ProtocolError with the
 * reason of the first problem found.
 */
export function decodePaymentRequest(
  value: string,
  registry: NetworkRegistry,
  opts: DeclarationOptions = {},
): PaymentRequest {
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
  return paymentRequestFromJson(json, registry, opts);
}

/** Validates an already-decoded payment request JSON value. */
export function paymentRequestFromJson(
  json: unknown,
  registry: NetworkRegistry,
  opts: DeclarationOptions = {},
): PaymentRequest {
  const parsed = paymentRequestHeaderSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError(REASONS.REQUEST_SCHEMA_INVALID, describeZodError(parsed.error));
  }
  const { claims, exp, description, customization, payment, proofs, mimeType, outputSchema } = parsed.data;
  const { model, credits, cost, usage, free } = parsed.data;
  const reading = readDeclaredExp(exp, opts.defaultTokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS);
  const request = validatePaymentRequest(
    {
      claims,
      exp: reading.kind === 'invalid' ? reading.exp : reading.lifetimeMs,
      description,
      customization,
      mimeType,
      outputSchema,
      requests: payment.requests,
      unboundTxProofs: proofs?.tx?.unbound === 'allow',
      model,
      credits,
      cost,
      usage,
      free,
    },
    registry,
  );
  if (reading.kind === 'go-duration-ns') {
    const declaration = createHash('sha256').update(canonicalJson(json)).digest('hex').slice(0, 16);
    opts.onGoDurationExp?.({ exp: reading.exp, lifetimeMs: reading.lifetimeMs, declaration });
  }
  return request;
}
