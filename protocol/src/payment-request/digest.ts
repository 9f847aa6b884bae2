import { createHash } from 'node:crypto';
import { canonicalJson } from '../internal/canonical-json.js';
import { toWire } from './to-wire.js';
import type { PaymentRequest } from './types.js';
import type { PaymentRequestWire } from './wire-schema.js';

/** sha256 (hex) of the canonical JSON of the wire form: equal requirements, equal digest. */
export function paymentRequestDigest(pr: PaymentRequest): string {
  return createHash('sha256')
    .update(canonicalJson(toWire(pr)))
    .digest('hex');
}

/** The same digest from the wire form (what the internal API carries), without parsing it again. */
export function paymentRequestWireDigest(wire: PaymentRequestWire): string {
  return createHash('sha256').update(canonicalJson(wire)).digest('hex');
}
