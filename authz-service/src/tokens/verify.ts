import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { REASONS, RESERVED_CLAIMS } from '@turnpike/protocol';
import type { AuthzReason } from '../reasons.js';
import { KeysUnavailableError } from './keys.js';

/** Algorithms a token may be signed with; anything else (none, HS*, RS*) is refused. */
export const TOKEN_ALGORITHMS = ['ES256', 'EdDSA'] as const;
const ALLOWED = new Set<string>(TOKEN_ALGORITHMS);

const REFUSAL_CACHE_TTL_MS = 60_000;
/** Not cached: an unknown kid may appear after a key rotation; not-yet-valid becomes valid. */
const CACHEABLE_REFUSALS: ReadonlySet<string> = new Set([
  REASONS.TOKEN_MALFORMED,
  REASONS.TOKEN_ALG_NOT_ALLOWED,
  REASONS.TOKEN_SIGNATURE_INVALID,
  REASONS.TOKEN_EXPIRED,
  REASONS.TOKEN_ISSUER_MISMATCH,
]);

/** Claims that describe the token itself rather than what it grants (the issuer's own). */
const NON_GRANT_CLAIMS: ReadonlySet<string> = new Set(RESERVED_CLAIMS);

/** A token whose signature and issuer are verified; audience, time, scope and claims are per request. */
export interface VerifiedToken {
  payload: JWTPayload;
  /** Seconds. */
  exp: number;
  nbf: number | undefined;
  audiences: readonly string[];
  resource: string | undefined;
  payer: string;
  tokenId: string;
  /** String claims the token grants (custom claims, aud, resource). */
  granted: Record<string, string>;
}

export type VerifyResult =
  { ok: true; token: VerifiedToken } | { ok: false; reason: AuthzReason; unavailable?: boolean };

export interface TokenVerifierOptions {
  getKey: JWTVerifyGetKey;
  issuer: string;
  clockSkewSeconds: number;
  cacheMaxEntries: number;
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
  const refused = new LRUCache<string, AuthzReason>({ max: opts.cacheMaxEntries, ttl: REFUSAL_CACHE_TTL_MS });
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
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return refuse(token, REASONS.TOKEN_MALFORMED);
      }
      if (typeof alg !== 'string' || !ALLOWED.has(alg)) return refuse(token, REASONS.TOKEN_ALG_NOT_ALLOWED);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, opts.getKey, verifyOptions));
      } catch (err) {
        const result = failure(err);
        return result.ok || result.unavailable === true ? result : refuse(token, result.reason);
      }
      const verified = toVerified(payload);
      if (verified === undefined) return refuse(token, REASONS.TOKEN_MALFORMED);
      const ttlMs = (verified.exp + opts.clockSkewSeconds) * 1000 - Date.now();
      if (ttlMs > 0) cache.set(token, verified, { ttl: ttlMs });
      return { ok: true, token: verified };
    },
  };
}

function toVerified(payload: JWTPayload): VerifiedToken | undefined {
  if (typeof payload.exp !== 'number') return undefined;
  const aud = payload.aud;
  const audiences =
    typeof aud === 'string'
      ? [aud]
      : Array.isArray(aud)
        ? aud.filter((a): a is string => typeof a === 'string')
        : [];
  const granted: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload))
    if (typeof v === 'string' && !NON_GRANT_CLAIMS.has(k)) granted[k] = v;
  return {
    payload,
    exp: payload.exp,
    nbf: typeof payload.nbf === 'number' ? payload.nbf : undefined,
    audiences,
    resource: typeof payload.resource === 'string' ? payload.resource : undefined,
    payer: typeof payload.sub === 'string' ? payload.sub : '',
    tokenId: typeof payload.jti === 'string' ? payload.jti : '',
    granted,
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
