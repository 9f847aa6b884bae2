import { z } from 'zod';

/** Most characters of a sealed challenge (`x-payment-challenge`); what authz-service accepts. */
export const MAX_CHALLENGE_CHARS = 4096;

const atomic = z.string().regex(/^[1-9][0-9]{0,77}$/);

/** One way to pay a challenge with a transaction: network, asset and the exact atomic amount. */
export const challengeOfferClaimSchema = z.strictObject({
  /** Network name in the registry. */
  n: z.string().min(1).max(64),
  /** 'native', the lower-case ERC-20 contract, or the SPL mint. */
  a: z.string().min(1).max(64),
  /** Atomic amount due. */
  t: atomic,
});

/**
 * What a sealed API challenge holds. The 402 writes nothing: this value is the whole challenge,
 * and the portal verifies a payment proof against it when the proof comes back. Short keys keep
 * the header small.
 */
export const challengeClaimsSchema = z.strictObject({
  v: z.literal(1),
  /** 128 random bits (base64url): the challenge's identity, and the proof's binding. */
  id: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  /** Issued at / expires at, seconds since the epoch: a transfer counts only if mined in between (± skew). */
  iat: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
  /** Host, scheme, token scope and the normalised URI the 402 answered. */
  h: z.string().min(1).max(261),
  s: z.enum(['http', 'https']),
  r: z.string().startsWith('/').max(8192),
  u: z.string().startsWith('/').max(8192),
  /** The offers a transaction may pay. */
  o: z.array(challengeOfferClaimSchema).min(1).max(32),
  /** EVM: the challenge's receive address is `<xpub>/1/⌊i/2^31⌋/(i mod 2^31)` of wallet `w`. */
  w: z.string().min(1).max(64).optional(),
  i: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  /** EVM: that address (lower-case), so a verifier can compare before it re-derives. */
  p: z
    .string()
    .regex(/^0x[0-9a-f]{40}$/)
    .optional(),
  /** Solana: the Solana Pay reference key the transfer must carry (base58). */
  k: z.string().min(32).max(44).optional(),
  /** The site the challenge was sealed for (docs/sites.md); absent = `default`. */
  st: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
});

export type ChallengeClaims = z.output<typeof challengeClaimsSchema>;
export type ChallengeOfferClaim = z.output<typeof challengeOfferClaimSchema>;
