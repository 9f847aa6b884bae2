export const PORTAL_API_PATHS = {
  /** Recorded challenges: only for resources that accept unbound transaction-hash proofs. */
  challenges: '/internal/v1/challenges',
  /** What the portal can be paid with (wallets, networks), for the authorizer's stateless 402s. */
  payee: '/internal/v1/payee',
  /** Blocks of never-used challenge receive addresses, leased to an authorizer. */
  addressLeases: '/internal/v1/address-leases',
  settle: '/internal/v1/settle',
  /** The enabled sites with their payees (docs/sites.md), polled with If-None-Match. */
  sites: '/internal/v1/sites',
  /** Blocks of a metered token's balance, leased to an authorizer (docs/credits.md). */
  creditLeases: '/internal/v1/credit-leases',
  /** What a credit lease did not spend, given back. */
  creditReturns: '/internal/v1/credit-returns',
  /** One free-tier request counted (docs/payment-request.md, "Free tier"). */
  freeTier: '/internal/v1/free-tier',
} as const;
