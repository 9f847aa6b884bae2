import { createHash } from 'node:crypto';
import { canonicalJson, paymentRequestWireDigest, type SettleRequest } from '@turnpike/protocol';

/**
 * What a payment-identifier id is bound to: the request (host, scheme, original URI, the resource
 * scope and its price as declared) and the payment payload itself, as sha256 hex. A retry of the
 * same request with the same payload has the same fingerprint; anything else under the same id is
 * a conflict (409).
 */
export function idempotencyFingerprint(request: SettleRequest): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        host: request.host,
        scheme: request.scheme,
        originalUri: request.originalUri,
        resource: request.resource,
        request: paymentRequestWireDigest(request.request),
        proof: request.proof,
      }),
    )
    .digest('hex');
}
