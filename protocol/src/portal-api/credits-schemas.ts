import { z } from 'zod';

const atomic = z.string().regex(/^[1-9][0-9]{0,77}$/, 'positive integer string');
const atomicOrZero = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, 'non-negative integer string');
const isoTime = z.iso.datetime({ offset: true });

/**
 * A block of a metered token's balance for one authorizer (docs/credits.md): up to `want` credits,
 * none unless at least `min` (the resource's cost) are left, spendable for `ttlMs`.
 */
export const creditLeaseRequestSchema = z.strictObject({
  tokenId: z.string().min(1).max(128),
  want: atomic,
  min: atomic,
  ttlMs: z.number().int().min(1_000).max(600_000),
});
export const creditLeaseResponseSchema = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    leaseId: z.string().min(1).max(64),
    granted: atomic,
    /** What the balance holds after this lease (not counting blocks held by authorizers). */
    remaining: atomicOrZero,
    expiresAt: isoTime,
  }),
  z.strictObject({
    ok: z.literal(false),
    reason: z.enum(['credits_exhausted', 'credit_balance_unknown']),
    /**
     * Credit in live leases of this token (held by authorizers, spent or not): while another
     * replica may still give some back, a spent balance is not final yet.
     */
    leasedOut: atomicOrZero,
  }),
]);

/** Gives back what a lease did not spend; a lease is returned once, and never after it expired. */
export const creditReturnRequestSchema = z.strictObject({
  leaseId: z.string().min(1).max(64),
  unused: atomicOrZero,
});
export const creditReturnResponseSchema = z.strictObject({
  /** Credits added back to the balance (0 when the lease was already returned or expired). */
  returned: atomicOrZero,
});

/** Counts one free request of `payer` for a resource scope in the current period. */
export const freeTierRequestSchema = z.strictObject({
  site: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  scope: z.string().startsWith('/').max(8192),
  payer: z.string().min(1).max(128),
  limit: z.number().int().positive().max(1_000_000),
  periodSeconds: z
    .number()
    .int()
    .positive()
    .max(366 * 86_400),
});
export const freeTierResponseSchema = z.strictObject({
  ok: z.boolean(),
  /** Free requests counted in this period, this one included when ok. */
  used: z.number().int().nonnegative(),
  resetAt: isoTime,
});

export type CreditLeaseRequest = z.output<typeof creditLeaseRequestSchema>;
export type CreditLeaseResponse = z.output<typeof creditLeaseResponseSchema>;
export type CreditReturnRequest = z.output<typeof creditReturnRequestSchema>;
export type CreditReturnResponse = z.output<typeof creditReturnResponseSchema>;
export type FreeTierRequest = z.output<typeof freeTierRequestSchema>;
export type FreeTierResponse = z.output<typeof freeTierResponseSchema>;
