import { REASONS } from '@turnpike/protocol';
import type { Identity } from '../core/types.js';
import type { AuthzReason } from '../reasons.js';
import type { KeyIndex } from './key-index.js';
import { screenToken, type ScreenOptions } from './screen-token.js';
import { tokenCandidates, type TokenCandidate } from './sources.js';
import { tokenRefusal, type TokenContext } from './token-applies.js';
import type { VerifiedToken } from './verified-token.js';
import type { TokenVerifier } from './verify.js';

export type { TokenContext } from './token-applies.js';

/**
 * Signature checks one request may cause; every other candidate costs a cache lookup or a parse.
 *
 * Why 80: a candidate that passes the cheap checks carries a 64-byte signature (86 characters), a
 * header naming an accepted `alg` and a `kid` (≥ 34) and claims with `iss`, `aud`, `resource` and
 * `exp` (≥ 71, even with one-character values): ≥ 193 characters, ≥ 205 bytes of a Cookie header
 * with a `402_token=` name and a separator. node:http refuses headers over 16 KiB
 * (`http.maxHeaderSize`), so at most ⌊16384 / 205⌋ = 79 such candidates reach us over HTTP (NGINX's
 * 8 KiB header line holds half as many): all are checked, and a valid token among them is found on
 * the first request. At ~110 µs an ES256 check (reference/chain.md) that is ≤ 9 ms of CPU for a
 * 16 KiB request: per byte received, what one forged Bearer token already costs, so stuffing one
 * request gains an attacker nothing over sending many. A larger header (Envoy's gRPC Check, up to
 * Envoy's 60 KiB by default) can carry more: those past the budget wait for the next request, where
 * the ones refused cost nothing (remembered refusals), so a valid token is reached within ⌈n / 80⌉
 * requests.
 */
export const SIGNATURE_CHECKS_PER_REQUEST = 80;

const MISSING_REASON = REASONS.TOKEN_MISSING;

export type TokenVerdict =
  { ok: true; identity: Identity } | { ok: false; reason: AuthzReason; unavailable?: boolean };

export interface TokenChecker {
  check(headers: Record<string, string | undefined>, ctx: TokenContext): Promise<TokenVerdict>;
  /**
   * The verdict when it needs no signature check (no token; a cached token that grants; every
   * candidate cached, remembered as refused or refused by the cheap checks), else undefined.
   */
  checkCached?(headers: Record<string, string | undefined>, ctx: TokenContext): TokenVerdict | undefined;
}

const MISSING: TokenVerdict = Object.freeze({ ok: false, reason: MISSING_REASON }) as TokenVerdict;

export interface TokenCheckerOptions {
  verifier: TokenVerifier;
  /** The keys held (the KeyStore): candidates naming one of them are checked first. */
  keys: KeyIndex;
  /** The configured issuer: a token naming another is refused without a signature check. */
  issuer: string;
  clockSkewSeconds: number;
  /** Signature checks one request may cause (default {@link SIGNATURE_CHECKS_PER_REQUEST}). */
  signatureBudget?: number;
  now?: () => number;
}

/** What the candidates come to without a signature check. */
interface Triage {
  /** Why each candidate (by index) does not grant, where known. */
  reasons: Array<AuthzReason | undefined>;
  /** Indexes worth a signature check: those naming a key we hold, then the others; each most specific first. */
  toVerify: number[];
}

/**
 * Tries the request's tokens so that junk sharing a token's cookie name can neither hide it nor
 * cost more than a bounded amount of work:
 *
 * 1. every candidate is looked up in the verified-token cache; the first that grants wins (free);
 * 2. the others are screened without a signature check: remembered refusals, then the cheap checks
 *    of screenToken (shape, alg, kid, issuer, time, audience, scope, claims);
 * 3. those that could pass are verified, naming a key we hold first, each group most specific
 *    first, at most `signatureBudget` per request; the first that verifies and grants wins.
 *
 * When none does, the reason of the most specific candidate judged is reported (`token_missing`
 * when there was none). When the keys themselves are unavailable the verdict says so, so the
 * caller answers `unavailable` rather than asking a token holder to pay again.
 */
export function createTokenChecker(opts: TokenCheckerOptions): TokenChecker {
  const now = opts.now ?? Date.now;
  const budget = opts.signatureBudget ?? SIGNATURE_CHECKS_PER_REQUEST;
  if (!Number.isInteger(budget) || budget < 1)
    throw new RangeError('signatureBudget must be a positive integer');
  const identities = new WeakMap<VerifiedToken, Identity>();
  const screen: ScreenOptions = {
    issuer: opts.issuer,
    keys: opts.keys,
    clockSkewSeconds: opts.clockSkewSeconds,
  };
  const grant = (t: VerifiedToken): TokenVerdict => ({ ok: true, identity: identityOf(t, identities) });

  /** Step 1, the hot path: the first cached token that grants. */
  const cachedGrant = (
    candidates: readonly TokenCandidate[],
    ctx: TokenContext,
  ): TokenVerdict | undefined => {
    for (const candidate of candidates) {
      const token = opts.verifier.cached(candidate.token);
      if (token !== undefined && tokenRefusal(token, ctx, now() / 1000, opts.clockSkewSeconds) === undefined)
        return grant(token);
    }
    return undefined;
  };

  /** Step 2. A grant here is a cached token whose time came (nbf) since step 1. */
  const triage = (candidates: readonly TokenCandidate[], ctx: TokenContext): Triage | TokenVerdict => {
    const nowSeconds = now() / 1000;
    const reasons = new Array<AuthzReason | undefined>(candidates.length);
    const held: number[] = [];
    const others: number[] = [];
    for (const [i, { token }] of candidates.entries()) {
      const cached = opts.verifier.cached(token);
      if (cached !== undefined) {
        reasons[i] = tokenRefusal(cached, ctx, nowSeconds, opts.clockSkewSeconds);
        if (reasons[i] === undefined) return grant(cached);
        continue;
      }
      reasons[i] = opts.verifier.cachedRefusal(token);
      if (reasons[i] !== undefined) continue;
      const screened = screenToken(token, ctx, nowSeconds, screen);
      if (!screened.plausible) reasons[i] = screened.reason;
      else (screened.keyHeld ? held : others).push(i);
    }
    return { reasons, toVerify: held.concat(others) };
  };

  const plan = (candidates: readonly TokenCandidate[], ctx: TokenContext): Triage | TokenVerdict =>
    cachedGrant(candidates, ctx) ?? triage(candidates, ctx);

  return {
    checkCached(headers, ctx) {
      const candidates = tokenCandidates(headers, ctx.path);
      if (candidates.length === 0) return MISSING;
      const planned = plan(candidates, ctx);
      if (isVerdict(planned)) return planned;
      return planned.toVerify.length === 0 ? mostSpecific(planned.reasons) : undefined;
    },
    async check(headers, ctx) {
      const candidates = tokenCandidates(headers, ctx.path);
      if (candidates.length === 0) return MISSING;
      const planned = plan(candidates, ctx);
      if (isVerdict(planned)) return planned;
      const { reasons, toVerify } = planned;
      for (const i of toVerify.length > budget ? toVerify.slice(0, budget) : toVerify) {
        const result = await opts.verifier.verify(candidates[i]!.token);
        if (!result.ok) {
          // Without keys nothing can be verified: say so rather than ask a token holder to pay again.
          if (result.unavailable === true) return result;
          reasons[i] = result.reason;
          continue;
        }
        reasons[i] = tokenRefusal(result.token, ctx, now() / 1000, opts.clockSkewSeconds);
        if (reasons[i] === undefined) return grant(result.token);
      }
      return mostSpecific(reasons);
    },
  };
}

const isVerdict = (x: Triage | TokenVerdict): x is TokenVerdict => 'ok' in x;

/**
 * The most specific candidate's reason. One is always known: the budget is at least 1 and the
 * first candidate worth a check is checked; the fallback only keeps the type honest.
 */
function mostSpecific(reasons: ReadonlyArray<AuthzReason | undefined>): TokenVerdict {
  return { ok: false, reason: reasons.find((r) => r !== undefined) ?? REASONS.TOKEN_SIGNATURE_INVALID };
}

function identityOf(t: VerifiedToken, memo: WeakMap<VerifiedToken, Identity>): Identity {
  let identity = memo.get(t);
  if (identity === undefined) {
    identity = {
      payer: t.payer,
      tokenId: t.tokenId,
      claims: t.granted,
      scope: t.resource ?? '',
      expiresAtSeconds: t.exp,
    };
    if (t.meter !== undefined) identity.meter = t.meter;
    memo.set(t, identity);
  }
  return identity;
}
