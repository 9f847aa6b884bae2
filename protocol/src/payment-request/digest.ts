import { createHash } from 'node:crypto';
import { canonicalJson } from '../internal/canonical-json.js';
import { toWire } from './to-wire.js';
import type { PaymentRequest } from './types.js';

/** sha256 (hex) of the canonical JSON of the wire form: equal requirements, equal digest. */
export function paymentRequestDigest(pr: PaymentRequest): string {
  return createHash('sha256')
    .update(canonicalJson(toWire(pr)))
    .digest('hex');
}
