import { randomId128 } from '../random/random-pool.js';
import { seal } from '../sealed/seal.js';
import type { ChallengeClaims } from './challenge-claims.js';

/** A new challenge id: 128 random bits, base64url (22 characters). */
export function newChallengeId(): string {
  return randomId128();
}

/** The sealed challenge string a 402 hands out (`paymentDetails.challengeId`). */
export function sealChallenge(key: Buffer, claims: ChallengeClaims): string {
  return seal(key, claims);
}
