import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { REASONS } from '@turnpike/protocol';
import type { AuthzReason } from '../reasons.js';
import { TOKEN_ALGORITHMS } from './algorithms.js';
import { KeysUnavailableError } from './keys.js';
import { toVerifiedToken, type VerifiedToken } from './verified-token.js';

export { TOKEN_ALGORITHMS } from './algorithms.js';
export type { VerifiedToken } from './verified-token.js';

const ALLOWED = new Set<string>(TOKEN_ALGORITHMS);

const REFUSAL_CACHE_TTL_MS = 60_000;
/**
 * Remembered refusals are keyed by the token string, which a client chooses: besides the entry
 * bound, their total length is bounded (8 MiB holds the entry bound's 10,000 at ~800 characters,
 * a token's size; a few large junk strings cannot hold hundreds of MiB).
 */
export const REFUSAL_CACHE_MAX_BYTES = 8 * 1024 * 1024;
/** Not cached: an unknown kid may appear after a key rotation; not-yet-valid becomes valid. */
const CACHEABLE_REFUSALS: ReadonlySet<string> = new Set([
  REASONS.TOKEN_MALFORMED,
  REASONS.TOKEN_ALG_NOT_ALLOWED,
  REASONS.TOKEN_SIGNATURE_INVALID,
  REASONS.TOKEN_EXPIRED,
  REASONS.TOKEN_ISSUER_MISMATCH,
]);

export type VerifyResult =
  { ok: true; token: VerifiedToken } | { ok: false; reason: AuthzReason; unavailable?: boolean };

export interface TokenVerifierOptions {
  getKey: JWTVerifyGetKey;
  issuer: string;
  clockSkewSeconds: number;
  cacheMaxEntries: number;
  /** Bound on the total length of remembered refusals (default {@link REFUSAL_CACHE_MAX_BYTES}). */
  refusalCacheMaxBytes?: number;
}

export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
  /** The cached verification of exactly this token string, if any (no signature check). */
  cached(token: string): VerifiedToken | undefined;
  /** The remembered refusal of exactly this token string, if any. */
  cachedRefusal(token: string): AuthzReason | undefined;
}

/**
 * Verifies signature, algorithm, issuer and expiry with jose, and caches the result by the exact
 * token string (bounded; an entry never outlives the token's `exp`), so a returning client costs
 * one map lookup instead of a signature check.
 */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const cache = new LRUCache<string, VerifiedToken>({ max: opts.cacheMaxEntries, ttlAutopurge: false });
  const verifyOptions = {
    issuer: opts.issuer,
    algorithms: [...TOKEN_ALGORITHMS],
    clockTolerance: opts.clockSkewSeconds,
    requiredClaims: ['exp'],
  };

  // Refusals that do not depend on the key set changing (or on time going back) are remembered
  // briefly, so a client resending an expired or forged token costs a lookup, not a signature check.
  const refused = new LRUCache<string, AuthzReason>({
    max: opts.cacheMaxEntries,
    ttl: REFUSAL_CACHE_TTL_MS,
    maxSize: opts.refusalCacheMaxBytes ?? REFUSAL_CACHE_MAX_BYTES,
    sizeCalculation: (_reason, token) => Math.max(1, token.length),
  });
  const refuse = (token: string, reason: AuthzReason): VerifyResult => {
    if (CACHEABLE_REFUSALS.has(reason)) refused.set(token, reason);
    return { ok: false, reason };
  };

  return {
    cached: (token) => cache.get(token),
    cachedRefusal: (token) => refused.get(token),
    async verify(token) {
      const cached = cache.get(token);
      if (cached !== undefined) return { ok: true, token: cached };
      const known = refused.get(token);
      if (known !== undefined) return { ok: false, reason: known };
      let alg: unknown;
      let typ: unknown;
      try {
        ({ alg, typ } = decodeProtectedHeader(token));
      } catch {
        return refuse(token, REASONS.TOKEN_MALFORMED);
      }
      // Only an access token opens anything: a payment receipt is signed by the same key over the
      // same host and scope, and says so in its typ (turnpike-receipt+jwt).
      if (typ !== undefined && typ !== 'JWT') return refuse(token, REASONS.TOKEN_MALFORMED);
      if (typeof alg !== 'string' || !ALLOWED.has(alg)) return refuse(token, REASONS.TOKEN_ALG_NOT_ALLOWED);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, opts.getKey, verifyOptions));
      } catch (err) {
        const result = failure(err);
        return result.ok || result.unavailable === true ? result : refuse(token, result.reason);
      }
      const verified = toVerifiedToken(payload);
      if (verified === undefined) return refuse(token, REASONS.TOKEN_MALFORMED);
      const ttlMs = (verified.exp + opts.clockSkewSeconds) * 1000 - Date.now();
      if (ttlMs > 0) cache.set(token, verified, { ttl: ttlMs });
      return { ok: true, token: verified };
    },
  };
}

/** Maps jose's error classes onto stable reasons (never built from a message). */
function failure(err: unknown): VerifyResult {
  if (err instanceof KeysUnavailableError)
    return { ok: false, reason: REASONS.KEYS_UNAVAILABLE, unavailable: true };
  if (err instanceof errors.JOSEAlgNotAllowed) return { ok: false, reason: REASONS.TOKEN_ALG_NOT_ALLOWED };
  if (err instanceof errors.JWKSNoMatchingKey) return { ok: false, reason: REASONS.TOKEN_KID_UNKNOWN };
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return { ok: false, reason: REASONS.TOKEN_SIGNATURE_INVALID };
  if (err instanceof errors.JWKSMultipleMatchingKeys)
    return { ok: false, reason: REASONS.TOKEN_SIGNATURE_INVALID };
  if (err instanceof errors.JWTExpired) return { ok: false, reason: REASONS.TOKEN_EXPIRED };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return { ok: false, reason: REASONS.TOKEN_NOT_YET_VALID };
    if (err.claim === 'iss') return { ok: false, reason: REASONS.TOKEN_ISSUER_MISMATCH };
    if (err.claim === 'iat') return { ok: false, reason: REASONS.TOKEN_NOT_YET_VALID };
    return { ok: false, reason: REASONS.TOKEN_MALFORMED };
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
    return { ok: false, reason: REASONS.KEYS_UNAVAILABLE, unavailable: true };
  }
  return { ok: false, reason: REASONS.TOKEN_MALFORMED };
}
