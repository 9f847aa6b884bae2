import type { MeteredModel, PaymentRequest } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type { AuthzReason } from '../reasons.js';

/** The gateway dialect a request arrived through (a metric label; the core never branches on it). */
export type Transport = 'nginx' | 'nginx-challenge' | 'forward-auth' | 'envoy-http' | 'envoy-grpc';

/**
 * The original client request as the gateway reported it, free of any gateway type. Transports
 * build it; the core decides on it.
 */
export interface NeutralRequest {
  /** Upper-case original method (never the auth subrequest's own GET). */
  method: string;
  scheme: 'http' | 'https';
  /** Lower-case host as the client sent it (with the port when one was sent). */
  host: string;
  /** Raw origin-form path + query as the gateway reported it; normalised once by the core. */
  target: string;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  clientIp?: string;
  /** Envoy context_extensions: names a static route for this Envoy route. */
  routeName?: string;
}

/** Who is allowed, for the upstream's identity headers. Empty strings when unknown (free resource). */
export interface Identity {
  /** The payer's address (`sub`), or ''. */
  payer: string;
  /** The token's `jti`, or ''. */
  tokenId: string;
  /** The token's granted claims (custom claims + aud + resource), {} on free resources. */
  claims: Record<string, string>;
  /** The token's `resource` scope, or ''. */
  scope: string;
  /** A metered token's price model (its `meter` claim); absent for a pass. */
  meter?: MeteredModel;
  /** The token's `exp` (seconds); absent on free resources. Bounds how long an allow may be cached. */
  expiresAtSeconds?: number;
}

/** A payment requirement resolved for one request: what to pay for which resource. */
export interface ResolvedRequirement {
  host: string;
  scheme: 'http' | 'https';
  /** Normalised path (no query). */
  path: string;
  /** Query string without `?`, '' when none. */
  query: string;
  /** `path` plus `?query` when there is one. */
  originalUri: string;
  request: PaymentRequest;
  /** Where the requirement came from. */
  source: 'route' | 'upstream';
  /** The static route's name when `source` is 'route'. */
  routeName?: string;
  /** The site owning the host (docs/sites.md); absent = `default`. */
  site?: string;
}

export type AllowDecision = {
  kind: 'allow';
  identity: Identity;
  /** Headers for the client (set-cookie, x-402-token, payment-response…). */
  responseHeaders?: Record<string, string | string[]>;
  /**
   * Set only on an allow a gateway may cache (core/cacheability.ts): until when (epoch ms). HTTP
   * dialects turn it into `Cache-Control: private, max-age=N` and `X-Accel-Expires: N`.
   */
  cacheUntilMs?: number;
};
export type PaymentRequiredDecision = {
  kind: 'payment_required';
  reason: AuthzReason;
  requirement: ResolvedRequirement;
  /** A proof is still confirming (`payment_pending`): retry the same proof after this long. */
  retryAfterSeconds?: number;
};
export type ForbiddenDecision = { kind: 'forbidden'; reason: AuthzReason };
export type UnavailableDecision = {
  kind: 'unavailable';
  reason: AuthzReason;
  /** When to try again (a transient failure on the payment path); the renderer's default otherwise. */
  retryAfterSeconds?: number;
};
/**
 * The request contradicts an earlier one it claims to repeat (an x402 payment-identifier id used
 * with another request or payload): 409, nothing was settled.
 */
export type ConflictDecision = { kind: 'conflict'; reason: AuthzReason };
/**
 * A malformed payment payload (x402 HTTP transport: "Invalid Payment — Malformed payment payload
 * or requirements" is 400, not 402): the client's own bug, nothing was verified or settled.
 */
export type BadRequestDecision = { kind: 'bad_request'; reason: AuthzReason };
/** A limit on what writes (recorded challenges, payment proofs) was reached: 429, never a 5xx. */
export type RateLimitedDecision = { kind: 'rate_limited'; reason: AuthzReason; retryAfterSeconds: number };

/** The core's answer. Transports switch on `kind` (exhaustively). */
export type Decision =
  | AllowDecision
  | PaymentRequiredDecision
  | ForbiddenDecision
  | UnavailableDecision
  | RateLimitedDecision
  | ConflictDecision
  | BadRequestDecision;
export type DenyDecision = Exclude<Decision, AllowDecision>;

/** The logging the core does (a pino Logger fits; HTTP adapters pass a lazy request logger). */
export type DecisionLogger = Pick<Logger, 'error' | 'warn' | 'info' | 'debug'>;

/** Decides one request. Never throws and never allows by accident: failures are `unavailable`. */
export type Decide = (req: NeutralRequest, log: DecisionLogger) => Promise<Decision>;

/**
 * What createDecider returns: the decision function, plus its synchronous cached path for
 * adapters that can answer within the same tick (node:http).
 */
export interface Decider extends Decide {
  /** The decision when the caches suffice (never throws: a failure is `unavailable`); undefined = call the function. */
  decideCached(req: NeutralRequest, log: DecisionLogger): Decision | undefined;
}

/** A transport-neutral HTTP response (the 402, a 403, a 503…). */
export interface RenderedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
