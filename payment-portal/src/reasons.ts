/**
 * Wire reasons the portal needs that are not (yet) in @turnpike/protocol's REASONS. Same
 * snake_case style; to be merged into protocol.
 */
export const PORTAL_REASONS = {
  /** No offer of the request can be served here (no wallet or watcher for its network). */
  OFFER_UNSUPPORTED: 'offer_unsupported',
  /** A settle proof type this portal has no verifier for. */
  PROOF_UNSUPPORTED: 'proof_unsupported',
  /** The internal API bearer token is missing or wrong. */
  UNAUTHORIZED: 'unauthorized',
  /** The invoice is not (yet) paid, so no token can be issued. */
  INVOICE_NOT_PAID: 'invoice_not_paid',
  /** The dev-pay control is not available for this invoice or offer. */
  DEV_PAY_UNAVAILABLE: 'dev_pay_unavailable',
} as const;

export type PortalReason = (typeof PORTAL_REASONS)[keyof typeof PORTAL_REASONS];
