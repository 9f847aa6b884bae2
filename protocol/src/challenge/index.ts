export {
  challengeClaimsSchema,
  challengeOfferClaimSchema,
  MAX_CHALLENGE_CHARS,
  type ChallengeClaims,
  type ChallengeOfferClaim,
} from './challenge-claims.js';
export { newChallengeId, sealChallenge } from './seal-challenge.js';
export { isSealedChallenge, openChallenge } from './open-challenge.js';
