import { REASONS, type Reason } from '@turnpike/protocol';

/** The authorizer's reasons live in `@turnpike/protocol`'s REASONS with everyone else's. */
export const AUTHZ_LOCAL_REASONS = {
  HOST_UNKNOWN: REASONS.HOST_UNKNOWN,
  ROUTE_UNKNOWN: REASONS.ROUTE_UNKNOWN,
  METHOD_INVALID: REASONS.METHOD_INVALID,
  HOST_INVALID: REASONS.HOST_INVALID,
  DECISION_TIMEOUT: REASONS.DECISION_TIMEOUT,
  PAYMENT_CHALLENGE_MALFORMED: REASONS.PAYMENT_CHALLENGE_MALFORMED,
} as const;

export type AuthzLocalReason = (typeof AUTHZ_LOCAL_REASONS)[keyof typeof AUTHZ_LOCAL_REASONS];

/** Every reason a decision can carry. */
export type AuthzReason = Reason;

/** One lookup table for the authorizer (the protocol's). */
export const AUTHZ_REASONS = REASONS;
