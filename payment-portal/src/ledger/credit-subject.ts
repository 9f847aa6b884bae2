import { normalizePath, paymentRequestWireDigest, type SettleRequest } from '@turnpike/protocol';
import type { ProofCredit } from './credit-proof.js';

/**
 * What a settle request says a credit is for — the protected target, the price's claims and
 * digest, the client — the same for every dialect that credits a payment through `creditProof`.
 */
export function creditSubjectOf(
  request: SettleRequest,
): Pick<ProofCredit, 'target' | 'request' | 'clientIp'> {
  return {
    target: {
      host: request.host,
      scheme: request.scheme,
      resource: normalizePath(request.resource).path,
      originalUri: request.originalUri,
    },
    request: {
      claims: request.request.claims,
      tokenLifetimeMs: request.request.tokenLifetimeMs,
      digest: paymentRequestWireDigest(request.request),
      description: request.request.description,
      ...(request.request.metering === undefined ? {} : { metering: request.request.metering }),
    },
    clientIp: request.client?.ip ?? null,
  };
}
