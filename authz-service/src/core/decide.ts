import type { NetworkRegistry, NormalizedTarget, SettleProof } from '@turnpike/protocol';
import type { PricingGate } from '../credits/pricing-gate.js';
import { extractProof } from '../proofs/extract.js';
import type { ProofRedeemer } from '../proofs/redeem.js';
import { AUTHZ_REASONS, type AuthzReason } from '../reasons.js';
import type { RequirementResolver, Resolution } from '../requirements/resolve.js';
import type { TokenChecker, TokenVerdict } from '../tokens/check.js';
import { createCacheability } from './cacheability.js';
import { createNormalizer } from './normalize-memo.js';
import type {
  AllowDecision,
  Decide,
  Decider,
  Decision,
  DecisionLogger,
  NeutralRequest,
  ResolvedRequirement,
} from './types.js';

export interface DeciderDeps {
  requirements: RequirementResolver;
  tokens: TokenChecker;
  /** A decision slower than this is `unavailable` (decision_timeout). */
  timeoutMs: number;
  /** Payment proofs on the request path (x-payment-tx, PAYMENT-SIGNATURE, X-PAYMENT); absent = ignored. */
  proofs?: { redeemer: ProofRedeemer; registry: NetworkRegistry };
  /** Host → site (docs/sites.md), a cached map lookup; absent = every host is `default`'s. */
  sites?: { siteOf(host: string): string };
  /** Price models (docs/credits.md): the credit meter and the free tier; absent = every resource is a pass. */
  pricing?: PricingGate;
  /**
   * `decisionCache.maxAgeSeconds`: how long a gateway may cache an allow that may be cached
   * (core/cacheability.ts); absent or 0 = no allow is marked cacheable.
   */
  decisionCacheMaxAgeSeconds?: number;
  now?: () => number;
}

/** A timer that can be pushed back (a proof redemption may take longer than a plain decision). */
interface Deadline {
  extend(ms: number): void;
}

type Priced = Extract<Resolution, { kind: 'priced' }>;

/** How far the synchronous attempt got before it needed I/O; the asynchronous path resumes there. */
interface Progress {
  target: NormalizedTarget;
  resolved?: Priced;
}

/** A payment proof sent with the request, to be redeemed against the requirement. */
interface ToRedeem {
  requirement: ResolvedRequirement;
  proof: SettleProof;
  proofs: NonNullable<DeciderDeps['proofs']>;
}

/** A granted request whose metered debit needs the portal, or a tokenless one for the free tier. */
interface ToPrice {
  price: 'meter' | 'free';
  allow?: AllowDecision;
  requirement: ResolvedRequirement;
}

/**
 * Builds the decision function: normalise the target once, find what the resource requires
 * (static route, then the upstream's own declaration), then check the request's tokens against
 * it; without a valid token, a payment proof sent with the request is redeemed through the
 * portal. Anything thrown, and anything slower than its time budget, is `unavailable`: never an
 * allow.
 *
 * Hot path: when the requirement and the tokens are all in their caches, the decision is made
 * synchronously (no timer, no awaits); only a cache miss takes the guarded asynchronous path.
 */
export function createDecider(deps: DeciderDeps): Decider {
  const normalize = createNormalizer();
  const cacheability = createCacheability({
    maxAgeMs: (deps.decisionCacheMaxAgeSeconds ?? 0) * 1000,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });

  const requirementOf = (
    req: NeutralRequest,
    path: string,
    query: string,
    resolved: Priced,
  ): ResolvedRequirement => ({
    host: req.host,
    scheme: req.scheme,
    path,
    query,
    originalUri: query === '' ? path : `${path}?${query}`,
    request: resolved.request,
    source: resolved.source,
    ...(resolved.routeName === undefined ? {} : { routeName: resolved.routeName }),
    ...(deps.sites === undefined ? {} : { site: deps.sites.siteOf(req.host) }),
  });

  /** The decision once tokens were checked, or the proof to redeem (async) with its requirement. */
  const afterTokens = (
    req: NeutralRequest,
    path: string,
    query: string,
    resolved: Priced,
    verdict: TokenVerdict,
  ): Decision | ToRedeem | ToPrice => {
    if (verdict.ok) {
      const allow = cacheability.tokenAllow(verdict.identity, resolved.request, req.headers);
      // A pass token on a pass resource (the common case) costs nothing more.
      const pass = resolved.request.metering === undefined && verdict.identity.meter === undefined;
      if (deps.pricing === undefined || pass) return allow;
      const requirement = () => requirementOf(req, path, query, resolved);
      const priced = deps.pricing.grantedCached(resolved.request, allow, requirement);
      if (priced === undefined) return { price: 'meter', allow, requirement: requirement() };
      // A spent or mismatched token: a payment proof sent with it (the top-up) is still redeemed.
      if (priced.kind !== 'payment_required') return priced;
      return afterTokens(req, path, query, resolved, { ok: false, reason: priced.reason });
    }
    if (verdict.unavailable === true) return unavailable(verdict.reason);
    const requirement = requirementOf(req, path, query, resolved);
    if (deps.proofs !== undefined) {
      const proof = extractProof(req.headers, deps.proofs.registry);
      if (proof.kind === 'invalid')
        // A garbled x402 payload is a 400 (x402 HTTP transport); other dialects' garbled proofs get
        // a fresh 402 saying why.
        return proof.reason === AUTHZ_REASONS.X402_PAYLOAD_INVALID
          ? { kind: 'bad_request', reason: proof.reason }
          : { kind: 'payment_required', reason: proof.reason, requirement };
      if (proof.kind === 'proof') return { requirement, proof: proof.proof, proofs: deps.proofs };
    }
    if (deps.pricing?.hasFreeTier(resolved.request, req) === true) return { price: 'free', requirement };
    return { kind: 'payment_required', reason: verdict.reason, requirement };
  };

  const isDecision = (x: Decision | ToRedeem | ToPrice | Progress): x is Decision => 'kind' in x;

  /** The metered debit or the free-tier count (portal I/O); a spent token falls back to its proof. */
  const settlePrice = async (
    req: NeutralRequest,
    target: NormalizedTarget,
    resolved: Priced,
    next: ToPrice,
  ): Promise<Decision | ToRedeem | ToPrice> => {
    const pricing = deps.pricing!;
    if (next.price === 'free') return pricing.free(req, next.requirement);
    const priced = await pricing.granted(resolved.request, next.allow!, next.requirement);
    if (priced.kind !== 'payment_required') return priced;
    return afterTokens(req, target.path, target.query, resolved, { ok: false, reason: priced.reason });
  };

  /**
   * Where a transport's decideCached missed, what it already did (normalised target, cached
   * requirement), so the decide call that follows resumes instead of repeating it (and counting
   * the probe-cache hit twice). Keyed by the request object; gone with it.
   */
  const progressOf = new WeakMap<NeutralRequest, Progress>();

  /** Synchronous attempt from caches; a Progress means "needs I/O from here". */
  const decideFast = (req: NeutralRequest, log: DecisionLogger): Decision | Progress => {
    const target = normalize(req.target);
    if (typeof target === 'string') return { kind: 'forbidden', reason: target };
    const resolved = deps.requirements.resolveCached?.(req, target.path, log);
    if (resolved === undefined) return { target };
    if (resolved.kind === 'free') return cacheability.free();
    if (resolved.kind === 'deny') return { kind: resolved.decision, reason: resolved.reason };
    const verdict = deps.tokens.checkCached?.(req.headers, {
      host: req.host,
      path: target.path,
      required: resolved.request.claims,
      ...(deps.sites === undefined ? {} : { site: deps.sites.siteOf(req.host) }),
    });
    if (verdict === undefined) return { target, resolved };
    const next = afterTokens(req, target.path, target.query, resolved, verdict);
    return isDecision(next) ? next : { target, resolved };
  };

  const decideSlow = async (
    req: NeutralRequest,
    log: DecisionLogger,
    deadline: Deadline,
    { target, resolved: cached }: Progress,
  ): Promise<Decision> => {
    const resolved = cached ?? (await deps.requirements.resolve(req, target.path, log));
    if (resolved.kind === 'free') return cacheability.free();
    if (resolved.kind === 'deny') return { kind: resolved.decision, reason: resolved.reason };
    const verdict = await deps.tokens.check(req.headers, {
      host: req.host,
      path: target.path,
      required: resolved.request.claims,
      ...(deps.sites === undefined ? {} : { site: deps.sites.siteOf(req.host) }),
    });
    let next = afterTokens(req, target.path, target.query, resolved, verdict);
    // At most twice: a refused debit falls back to the tokenless path, which is never metered.
    while (!isDecision(next) && 'price' in next) next = await settlePrice(req, target, resolved, next);
    if (isDecision(next)) return next;
    deadline.extend(next.proofs.redeemer.timeoutMs);
    const redeemed = await next.proofs.redeemer.redeem(
      next.requirement,
      next.proof,
      log,
      req.clientIp === undefined ? undefined : { ip: req.clientIp.slice(0, 64) },
    );
    // The request that presents the proof is the token's first use: a metered one spends from it.
    return redeemed.kind === 'allow' && deps.pricing !== undefined
      ? deps.pricing.granted(resolved.request, redeemed, next.requirement)
      : redeemed;
  };

  const guarded = async (req: NeutralRequest, log: DecisionLogger, progress: Progress): Promise<Decision> => {
    let timer: NodeJS.Timeout | undefined;
    let expire!: () => void;
    const timeout = new Promise<Decision>((resolve) => {
      expire = () => resolve(unavailable(AUTHZ_REASONS.DECISION_TIMEOUT));
      timer = setTimeout(expire, deps.timeoutMs);
    });
    const deadline: Deadline = {
      extend(ms) {
        clearTimeout(timer);
        timer = setTimeout(expire, ms);
      },
    };
    try {
      return await Promise.race([decideSlow(req, log, deadline, progress), timeout]);
    } catch (err) {
      log.error({ err: errorSummary(err) }, 'decision failed; denying');
      return unavailable(AUTHZ_REASONS.INTERNAL_ERROR);
    } finally {
      clearTimeout(timer);
    }
  };

  const attempt = (req: NeutralRequest, log: DecisionLogger): Decision | Progress => {
    try {
      return decideFast(req, log);
    } catch (err) {
      log.error({ err: errorSummary(err) }, 'decision failed; denying');
      return unavailable(AUTHZ_REASONS.INTERNAL_ERROR);
    }
  };
  const decideCached = (req: NeutralRequest, log: DecisionLogger): Decision | undefined => {
    const fast = attempt(req, log);
    if (isDecision(fast)) return fast;
    progressOf.set(req, fast);
    return undefined;
  };
  const decide: Decide = (req, log) => {
    const resumed = progressOf.get(req);
    if (resumed !== undefined) progressOf.delete(req);
    const fast = resumed ?? attempt(req, log);
    return isDecision(fast) ? Promise.resolve(fast) : guarded(req, log, fast);
  };
  return Object.assign(decide, { decideCached });
}

function unavailable(reason: AuthzReason): Decision {
  return { kind: 'unavailable', reason };
}

/** Logs what failed without dumping request data (which may hold tokens). */
function errorSummary(err: unknown): { name: string; code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'non-error', message: String(err) };
}
