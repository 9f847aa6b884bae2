import { REASONS, SIWX_CHALLENGE_TTL_MS } from '@turnpike/protocol';
import { ProofRefusal } from '../../context.js';

/** Clock difference tolerated between the authorizer that issued a challenge and this portal. */
export const SIWX_CLOCK_SKEW_MS = 30_000;

/**
 * The validity window of a sign-in-with-x message (the spec's "Validate Message Fields"), with a
 * tolerance for the clocks of the authorizer that issued it and of this replica: `issuedAt` not in
 * the future and at most the challenge lifetime old, `expirationTime` not passed, `notBefore`
 * reached. The nonce's MAC already fixed `issuedAt` and `expirationTime` to what the 402 said.
 */
export function checkSiwxTimes(
  m: { issuedAt: string; expirationTime?: string | undefined; notBefore?: string | undefined },
  now: number,
): void {
  const issuedAt = Date.parse(m.issuedAt);
  if (Number.isNaN(issuedAt))
    throw new ProofRefusal(REASONS.SIWX_CHALLENGE_INVALID, 'issuedAt is not a time');
  if (issuedAt > now + SIWX_CLOCK_SKEW_MS)
    throw new ProofRefusal(REASONS.SIWX_CHALLENGE_INVALID, 'issuedAt is in the future');
  if (now - issuedAt > SIWX_CHALLENGE_TTL_MS + SIWX_CLOCK_SKEW_MS)
    throw new ProofRefusal(REASONS.SIWX_CHALLENGE_INVALID, 'the sign-in challenge is too old');
  if (m.expirationTime !== undefined) {
    const expires = Date.parse(m.expirationTime);
    if (Number.isNaN(expires) || expires <= now)
      throw new ProofRefusal(REASONS.SIWX_CHALLENGE_INVALID, 'the sign-in challenge has expired');
  }
  if (m.notBefore !== undefined) {
    const notBefore = Date.parse(m.notBefore);
    if (Number.isNaN(notBefore) || notBefore > now + SIWX_CLOCK_SKEW_MS)
      throw new ProofRefusal(REASONS.SIWX_CHALLENGE_INVALID, 'the sign-in is not valid yet');
  }
}
