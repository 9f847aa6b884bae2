import { ProtocolError } from '../errors.js';
import type { NetworkRegistry } from '../networks/types.js';
import { REASONS } from '../reasons.js';
import { decodePaymentRequest, type DeclarationOptions } from './decode.js';
import type { PaymentRequest } from './types.js';

export type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * The payment requirement an upstream declared in its response headers, or null when the
 * resource is free. Header names are matched case-insensitively.
 *
 * - `x-402-required: true` (or `1`) → `x-402-request` must be present (`request_missing`).
 * - `x-402-required: false` (or `0`) → free, whatever else is sent.
 * - `x-402-required` absent → required exactly when `x-402-request` is present (an upstream
 *   that sends a price means it; failing closed beats serving for free).
 * - any other value → `request_required_invalid`; repeated headers with different values →
 *   `request_conflict`.
 */
export function paymentRequestFromHeaders(
  headers: HeaderBag | Headers,
  registry: NetworkRegistry,
  opts: DeclarationOptions = {},
): PaymentRequest | null {
  if (headers instanceof Headers) {
    // fetch joins repeated headers with ", "; base64 has no comma, so a repeat fails to decode.
    return resolveDeclaration(
      headers.get('x-402-required') ?? undefined,
      headers.get('x-402-request') ?? undefined,
      registry,
      opts,
    );
  }
  const required = singleHeader(headers, 'x-402-required');
  const request = singleHeader(headers, 'x-402-request');
  return resolveDeclaration(required, request, registry, opts);
}

/** Shared by headers and <meta> tags. */
export function resolveDeclaration(
  required: string | undefined,
  request: string | undefined,
  registry: NetworkRegistry,
  opts: DeclarationOptions = {},
): PaymentRequest | null {
  const flag = required === undefined ? undefined : parseRequiredFlag(required);
  if (flag === false) return null;
  if (request === undefined || request.trim() === '') {
    if (flag === true)
      throw new ProtocolError(REASONS.REQUEST_MISSING, 'x-402-required without x-402-request');
    return null;
  }
  return decodePaymentRequest(request, registry, opts);
}

function parseRequiredFlag(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ProtocolError(REASONS.REQUEST_REQUIRED_INVALID, 'x-402-required must be true or false');
}

function singleHeader(headers: HeaderBag, name: string): string | undefined {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    values.push(...(Array.isArray(value) ? value : [value]));
  }
  const distinct = new Set(values.map((v) => v.trim()));
  if (distinct.size > 1)
    throw new ProtocolError(REASONS.REQUEST_CONFLICT, `${name} sent more than once with different values`);
  return values[0];
}
