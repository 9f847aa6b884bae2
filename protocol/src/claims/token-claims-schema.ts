import { z } from 'zod';

const seconds = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const paymentClaimSchema = z.strictObject({
  network: z.string().min(1),
  tx: z.string().min(1),
  invoice: z.string().min(1).optional(),
});

/**
 * Claims of a Turnpike payment token (JWT payload): registered claims, `pay`, and the
 * requirement's custom claims (strings only, `catchall`).
 */
export const tokenClaimsSchema = z
  .object({
    iss: z.string().min(1),
    aud: z.string().min(1),
    resource: z.string().startsWith('/'),
    exp: seconds,
    iat: seconds,
    nbf: seconds.optional(),
    jti: z.string().min(1),
    sub: z.string().min(1).optional(),
    pay: paymentClaimSchema.optional(),
    /** The site the token was issued for (docs/sites.md); absent (tokens before sites) = `default`. */
    site: z.string().min(1).max(63).optional(),
    /** A metered token's price model (docs/credits.md): its balance is spent per request. */
    meter: z.enum(['per-request', 'credits']).optional(),
  })
  .catchall(z.string());

export type TokenClaims = z.output<typeof tokenClaimsSchema>;
export type PaymentClaim = z.output<typeof paymentClaimSchema>;
