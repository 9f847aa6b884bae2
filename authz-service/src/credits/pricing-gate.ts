import { DEFAULT_SITE_ID, REASONS, type PaymentRequest } from '@turnpike/protocol';
import type { AllowDecision, Decision, NeutralRequest, ResolvedRequirement } from '../core/types.js';
import { FREE_IDENTITY } from '../core/free-identity.js';
import type { CreditMeter, MeterVerdict } from './credit-meter.js';
import type { FreeTierCounter } from './free-tier.js';

/**
 * Where price models meet the decision (docs/credits.md): after a token granted, a metered
 * resource spends the token's credit (and a token of another model never opens it); without a
 * token, a free-tier resource may let the request pass free.
 */
export interface PricingGate {
  /**
   * After a token granted: the allow, a refusal, or undefined when the debit needs the portal
   * (then call {@link PricingGate.granted}). A pass resource with a pass token is the allow as is.
   */
  grantedCached(
    request: PaymentRequest,
    allow: AllowDecision,
    requirement: () => ResolvedRequirement,
  ): Decision | undefined;
  granted(request: PaymentRequest, allow: AllowDecision, requirement: ResolvedRequirement): Promise<Decision>;
  /** True when a request without a token may be counted against the resource's free tier. */
  hasFreeTier(request: PaymentRequest, req: NeutralRequest): boolean;
  /** A free request, or the decision that replaces the 402's reason (exhausted, unavailable). */
  free(req: NeutralRequest, requirement: ResolvedRequirement): Promise<Decision>;
}

export function createPricingGate(deps: { meter: CreditMeter; freeTier: FreeTierCounter }): PricingGate {
  const mismatch = (requirement: ResolvedRequirement): Decision => ({
    kind: 'payment_required',
    reason: REASONS.TOKEN_MODEL_MISMATCH,
    requirement,
  });
  const fromMeter = (
    v: MeterVerdict,
    allow: AllowDecision,
    requirement: () => ResolvedRequirement,
  ): Decision => {
    switch (v.kind) {
      case 'spent':
        return allow;
      case 'refused':
        // The 402 of a spent balance is the top-up: its offer buys a new token with a new balance.
        return { kind: 'payment_required', reason: v.reason, requirement: requirement() };
      case 'unavailable':
        return { kind: 'unavailable', reason: v.reason };
      case 'rate_limited':
        return v;
    }
  };
  return {
    grantedCached(request, allow, requirement) {
      const metering = request.metering;
      if (metering === undefined && allow.identity.meter === undefined) return allow;
      if (metering === undefined || metering.model !== allow.identity.meter) return mismatch(requirement());
      const v = deps.meter.debitCached(allow.identity.tokenId, metering.cost);
      return v === undefined ? undefined : fromMeter(v, allow, requirement);
    },
    async granted(request, allow, requirement) {
      const metering = request.metering;
      if (metering === undefined && allow.identity.meter === undefined) return allow;
      if (metering === undefined || metering.model !== allow.identity.meter) return mismatch(requirement);
      return fromMeter(
        await deps.meter.debit(allow.identity.tokenId, metering.cost),
        allow,
        () => requirement,
      );
    },
    hasFreeTier(request, req) {
      return request.freeTier !== undefined && req.clientIp !== undefined && req.clientIp !== '';
    },
    async free(req, requirement) {
      const tier = requirement.request.freeTier!;
      const v = await deps.freeTier.take(
        {
          // Each site counts its own free tier (docs/sites.md): the site owning the host.
          site: requirement.site ?? DEFAULT_SITE_ID,
          scope: requirement.request.claims['resource'] ?? requirement.path,
          payer: `ip:${req.clientIp!.slice(0, 64)}`,
        },
        tier,
      );
      switch (v.kind) {
        case 'free':
          return { kind: 'allow', identity: FREE_IDENTITY };
        case 'exhausted':
          return { kind: 'payment_required', reason: v.reason, requirement };
        case 'unavailable':
          return { kind: 'unavailable', reason: v.reason };
        case 'rate_limited':
          return v;
      }
    },
  };
}
