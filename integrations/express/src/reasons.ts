/**
 * Reasons this integration answers with itself (not yet in `@turnpike/protocol` REASONS; the lead
 * merges them there).
 */
export const EXPRESS_REASONS = {
  /** The authorizer did not answer in time, or answered garbage: fail closed with 503. */
  AUTHZ_UNAVAILABLE: 'authz_unavailable',
  /** The protected upstream (or the portal) could not be reached: 502. */
  UPSTREAM_UNAVAILABLE: 'upstream_unavailable',
} as const;

export type ExpressReason = (typeof EXPRESS_REASONS)[keyof typeof EXPRESS_REASONS];
