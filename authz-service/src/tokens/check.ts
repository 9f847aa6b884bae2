import { claimsSatisfy, REASONS, scopeCovers } from '@turnpike/protocol';
import type { Identity } from '../core/types.js';
import type { AuthzReason } from '../reasons.js';
import { tokenCandidates } from './sources.js';
import type { TokenVerifier, VerifiedToken } from './verify.js';

export interface TokenContext {
  host: string;
  /** The normalised path. */
  path: string;
  /** The requirement's claims; the token's must be a superset. */
  required: Readonly<Record<string, string>>;
}

const MISSING_REASON = REASONS.TOKEN_MISSING;

export type TokenVerdict =
  { ok: true; identity: Identity } | { ok: false; reason: AuthzReason; unavailable?: boolean };

export interface TokenChecker {
  check(headers: Record<string, string | undefined>, ctx: TokenContext): Promise<TokenVerdict>;
  /**
   * The verdict when it can be given from the verified-token cache alone (no token, or the
   * candidates up to the first that passes are all cached), else undefined.
   */
  checkCached?(headers: Record<string, string | undefined>, ctx: TokenContext): TokenVerdict | undefined;
}

const MISSING: TokenVerdict = Object.freeze({ ok: false, reason: MISSING_REASON }) as TokenVerdict;

export interface TokenCheckerOptions {
  verifier: TokenVerifier;
  clockSkewSeconds: number;
  now?: () => number;
}

/**
 * Tries the request's tokens, most specific first; the first that passes wins. When none does,
 * the reason of the most specific one is reported (`token_missing` when there was none). When the
 * keys themselves are unavailable the verdict says so, so the caller answers `unavailable` rather
 * than asking a token holder to pay again.
 */
export function createTokenChecker(opts: TokenCheckerOptions): TokenChecker {
  const now = opts.now ?? Date.now;
  const identities = new WeakMap<VerifiedToken, Identity>();

  const applies = (t: VerifiedToken, ctx: TokenContext): AuthzReason | undefined => {
    const nowSeconds = now() / 1000;
    if (t.exp + opts.clockSkewSeconds <= nowSeconds) return REASONS.TOKEN_EXPIRED;
    if (t.nbf !== undefined && t.nbf - opts.clockSkewSeconds > nowSeconds) return REASONS.TOKEN_NOT_YET_VALID;
    if (!t.audiences.includes(ctx.host)) return REASONS.TOKEN_AUDIENCE_MISMATCH;
    if (t.resource === undefined || !scopeCovers(t.resource, ctx.path)) return REASONS.TOKEN_SCOPE_MISMATCH;
    if (!claimsSatisfy(t.payload, ctx.required)) return REASONS.TOKEN_CLAIMS_INSUFFICIENT;
    return undefined;
  };

  return {
    checkCached(headers, ctx) {
      const candidates = tokenCandidates(headers, ctx.path);
      if (candidates.length === 0) return MISSING;
      let first: TokenVerdict | undefined;
      for (const candidate of candidates) {
        const token = opts.verifier.cached(candidate.token);
        if (token === undefined) {
          const refusal = opts.verifier.cachedRefusal(candidate.token);
          if (refusal === undefined) return undefined;
          first ??= { ok: false, reason: refusal };
          continue;
        }
        const reason = applies(token, ctx);
        if (reason === undefined) return { ok: true, identity: identityOf(token, identities) };
        first ??= { ok: false, reason };
      }
      return first;
    },
    async check(headers, ctx) {
      const candidates = tokenCandidates(headers, ctx.path);
      if (candidates.length === 0) return MISSING;
      let first: TokenVerdict | undefined;
      for (const candidate of candidates) {
        const result = await opts.verifier.verify(candidate.token);
        if (!result.ok) {
          // Without keys nothing can be verified: say so rather than ask a token holder to pay again.
          if (result.unavailable === true) return result;
          first ??= result;
          continue;
        }
        const reason = applies(result.token, ctx);
        if (reason === undefined) return { ok: true, identity: identityOf(result.token, identities) };
        first ??= { ok: false, reason };
      }
      return first as TokenVerdict;
    },
  };
}

function identityOf(t: VerifiedToken, memo: WeakMap<VerifiedToken, Identity>): Identity {
  let identity = memo.get(t);
  if (identity === undefined) {
    identity = { payer: t.payer, tokenId: t.tokenId, claims: t.granted, scope: t.resource ?? '' };
    memo.set(t, identity);
  }
  return identity;
}
