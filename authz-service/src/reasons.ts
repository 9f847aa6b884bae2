import { REASONS, type Reason } from '@turnpike/protocol';

/**
 * Reasons the authorizer needs that `@turnpike/protocol` does not define (yet). Same snake_case
 * style; the lead merges them into protocol's REASONS later.
 */
export const AUTHZ_LOCAL_REASONS = {
  /** No static route and no upstream mapping covers the request's host. */
  HOST_UNKNOWN: 'host_unknown',
  /** Envoy context_extensions named a static route the config does not have. */
  ROUTE_UNKNOWN: 'route_unknown',
  /** The gateway did not send the original method (or sent a garbled one). */
  METHOD_INVALID: 'method_invalid',
  /** The gateway did not send the original host (or sent a garbled one). */
  HOST_INVALID: 'host_invalid',
  /** The decision took longer than the configured decision timeout. */
  DECISION_TIMEOUT: 'decision_timeout',
  /** `x-payment-challenge` is not a challenge id (the 402's `paymentDetails.challengeId`). */
  PAYMENT_CHALLENGE_MALFORMED: 'payment_challenge_malformed',
} as const;

export type AuthzLocalReason = (typeof AUTHZ_LOCAL_REASONS)[keyof typeof AUTHZ_LOCAL_REASONS];

/** Every reason a decision can carry. */
export type AuthzReason = Reason | AuthzLocalReason;

/** Protocol reasons plus the authorizer's local ones, one lookup table. */
export const AUTHZ_REASONS = { ...REASONS, ...AUTHZ_LOCAL_REASONS } as const;
