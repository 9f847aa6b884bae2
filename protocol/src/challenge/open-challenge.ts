import { ProtocolError } from '../errors.js';
import { REASONS } from '../reasons.js';
import { unseal } from '../sealed/seal.js';
import { challengeClaimsSchema, MAX_CHALLENGE_CHARS, type ChallengeClaims } from './challenge-claims.js';

/** True when `value` has the shape of a sealed challenge (not of a recorded invoice id). */
export function isSealedChallenge(value: string): boolean {
  return value.includes('.');
}

/**
 * The claims of a sealed challenge; throws ProtocolError `payment_challenge_invalid` when it was
 * altered, sealed by another installation, or is not a challenge. Expiry is the caller's to judge
 * (a transfer mined before `exp` may be presented later).
 */
export function openChallenge(key: Buffer, sealed: string): ChallengeClaims {
  const value = unseal(key, sealed, MAX_CHALLENGE_CHARS);
  const parsed = challengeClaimsSchema.safeParse(value);
  if (value === null || !parsed.success)
    throw new ProtocolError(
      REASONS.PAYMENT_CHALLENGE_INVALID,
      'the challenge is not one this service issued',
    );
  const claims = parsed.data;
  if (
    (claims.i === undefined) !== (claims.w === undefined) ||
    (claims.p !== undefined && claims.i === undefined)
  )
    throw new ProtocolError(REASONS.PAYMENT_CHALLENGE_INVALID, 'the challenge names a partial address');
  return claims;
}
