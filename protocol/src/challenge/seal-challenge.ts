import { randomBytes } from 'node:crypto';
import { seal } from '../sealed/seal.js';
import type { ChallengeClaims } from './challenge-claims.js';

/** A new challenge id: 128 random bits, base64url (22 characters). */
export function newChallengeId(): string {
  return randomBytes(16).toString('base64url');
}

/** The sealed challenge string a 402 hands out (`paymentDetails.challengeId`). */
export function sealChallenge(key: Buffer, claims: ChallengeClaims): string {
  return seal(key, claims);
}
