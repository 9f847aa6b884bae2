import { REASONS } from '@turnpike/protocol';

/**
 * The portal's own reasons, now defined in @turnpike/protocol's REASONS; kept under these names
 * so existing imports keep working.
 */
export const PORTAL_REASONS = {
  OFFER_UNSUPPORTED: REASONS.OFFER_UNSUPPORTED,
  PROOF_UNSUPPORTED: REASONS.PROOF_UNSUPPORTED,
  UNAUTHORIZED: REASONS.UNAUTHORIZED,
  INVOICE_NOT_PAID: REASONS.INVOICE_NOT_PAID,
  DEV_PAY_UNAVAILABLE: REASONS.DEV_PAY_UNAVAILABLE,
} as const;

export type PortalReason = (typeof PORTAL_REASONS)[keyof typeof PORTAL_REASONS];
