import type { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { decodeBase64Loose, decodeUtf8 } from '../internal/base64.js';
import { describeZodError } from '../internal/zod-detail.js';
import { REASONS } from '../reasons.js';

/** Largest x402 header accepted (a Solana transaction payload is the biggest, ~2 KB). */
export const MAX_X402_HEADER_BYTES = 16 * 1024;

/** Standard base64 of the JSON, as x402 clients and servers write the headers. */
export function encodeX402Header(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj), 'utf8').toString('base64');
}

/**
 * Decodes an x402 header (`PAYMENT-SIGNATURE`, `X-PAYMENT`, `PAYMENT-REQUIRED`, …) and parses it
 * with `schema`. Standard or url-safe base64 is accepted. Throws `x402_payload_invalid`.
 */
export function decodeX402Header<S extends z.ZodType>(value: string, schema: S): z.output<S> {
  if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_X402_HEADER_BYTES) {
    throw new ProtocolError(REASONS.X402_PAYLOAD_INVALID, 'missing or too large');
  }
  const bytes = decodeBase64Loose(value.trim());
  const text = bytes === null ? null : decodeUtf8(bytes);
  if (text === null) throw new ProtocolError(REASONS.X402_PAYLOAD_INVALID, 'not base64');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ProtocolError(REASONS.X402_PAYLOAD_INVALID, 'not JSON', { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ProtocolError(REASONS.X402_PAYLOAD_INVALID, describeZodError(parsed.error));
  return parsed.data;
}
