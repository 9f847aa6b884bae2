/**
 * The business events the portal writes as log lines (field `event`), documented with their
 * fields in docs/operations.md. Each names one fact, written once by the replica that made it
 * happen, after its transaction committed.
 */
export const PORTAL_EVENTS = [
  'invoice.created',
  'payment.seen',
  'payment.credited',
  'token.issued',
  'settlement.failed',
] as const;
export type PortalEventName = (typeof PORTAL_EVENTS)[number];

/**
 * How a credited payment reached the portal: `pay_page` (a person on the pay page, credited by a
 * watcher), `tx` (a transaction-hash proof: the ZelfProof-style API, MPP, Solana Pay; or a recorded
 * challenge's payment the watcher saw), `x402` (an x402 authorization the portal settled); and for
 * `token.issued` only, `siwx` (an x402 sign-in-with-x: a returning payer's token for a grant it
 * already bought, never a credit).
 */
export const PAYMENT_DIALECTS = ['pay_page', 'tx', 'x402', 'siwx'] as const;
export type PaymentDialect = (typeof PAYMENT_DIALECTS)[number];
