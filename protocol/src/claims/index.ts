export { RESERVED_CLAIMS, type ReservedClaim } from './reserved.js';
export {
  tokenClaimsSchema,
  paymentClaimSchema,
  type TokenClaims,
  type PaymentClaim,
} from './token-claims-schema.js';
export { claimsSatisfy } from './claims-satisfy.js';
export { tokenCookieName, scopeFromCookieName, TOKEN_COOKIE, TOKEN_COOKIE_PREFIX } from './cookie-name.js';
export { parseCookieHeader } from './parse-cookie-header.js';
export { tokenCookieCandidates } from './token-cookie-candidates.js';
