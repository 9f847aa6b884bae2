import { REASONS } from '@turnpike/protocol';

/** The reasons this integration answers with itself (defined, like all reasons, in protocol). */
export const EXPRESS_REASONS = {
  /** The authorizer did not answer in time, or answered garbage: fail closed with 503. */
  AUTHZ_UNAVAILABLE: REASONS.AUTHZ_UNAVAILABLE,
  /** The protected upstream (or the portal) could not be reached: 502. */
  UPSTREAM_UNAVAILABLE: REASONS.UPSTREAM_UNAVAILABLE,
} as const;

export type ExpressReason = (typeof EXPRESS_REASONS)[keyof typeof EXPRESS_REASONS];
