import {
  DEFAULT_SITE_ID,
  paymentRequestWireDigest,
  type ChallengeClaims,
  type SettleRequest,
} from '@turnpike/protocol';
import type { ProofCredit } from '../ledger/index.js';

/**
 * What every dialect's credit of a sealed challenge records besides the payment itself: the target
 * and window the challenge was sealed for, and the requirement the settle request carries.
 */
export function sealedCreditBase(
  claims: ChallengeClaims,
  body: SettleRequest,
): Pick<ProofCredit, 'target' | 'request' | 'payableUntil' | 'clientIp' | 'siteId'> {
  return {
    target: { host: claims.h, scheme: claims.s, resource: claims.r, originalUri: claims.u },
    request: {
      claims: body.request.claims,
      tokenLifetimeMs: body.request.tokenLifetimeMs,
      digest: paymentRequestWireDigest(body.request),
      description: body.request.description,
      ...(body.request.metering === undefined ? {} : { metering: body.request.metering }),
    },
    payableUntil: new Date(claims.exp * 1000),
    clientIp: body.client?.ip ?? null,
    siteId: claims.st ?? DEFAULT_SITE_ID,
  };
}
