import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from '@turnpike/protocol/service';

/**
 * Every default of the authorizer's configuration, in one place, units in the names.
 * docs/configuration/authz-service.md lists the same values.
 */
export const AUTHZ_DEFAULTS = {
  listenHost: '0.0.0.0',
  httpPort: 8081,
  /** Peers whose X-Forwarded-For / X-Real-IP are believed: the gateway on the same host. */
  trustedProxies: ['127.0.0.0/8', '::1/128'] as readonly string[],
  /** Idle keep-alive on the HTTP listener: longer than every shipped gateway's upstream idle timeout. */
  keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
  clockSkewSeconds: 30,
  jwksTimeoutMs: 2_000,
  /** Minimum wait between two JWKS refetches caused by an unknown kid. */
  jwksCooldownMs: 30_000,
  /** A fetched JWKS is used without refetching for this long. */
  jwksCacheMaxAgeMs: 600_000,
  tokenCacheMaxEntries: 10_000,
  /** Per probe request; a HEAD answered 405 adds a GET, so a cold miss may take twice this. */
  probeTimeoutMs: 500,
  probeMaxBodyBytes: 256 * 1024,
  probeDefaultTtlSeconds: 60,
  probeNegativeTtlSeconds: 30,
  /** After its TTL an answer may still be used for this long when the re-probe fails. */
  probeStaleIfErrorSeconds: 30,
  probeCacheMaxEntries: 10_000,
  /** An HTML page that declares nothing in its HEAD answer is fetched (bounded) to read its <meta>. */
  probeMetaFromHtml: true,
  portalTimeoutMs: 2_000,
  /** Credit leased per token per block, in requests (docs/credits.md: what a crash may cost a payer). */
  creditBlockRequests: 8,
  /** A leased block is spendable this long (the portal keeps it as spent if it is never returned). */
  creditLeaseTtlSeconds: 30,
  /** A token idle this long gives back its unspent blocks (so other replicas can spend them). */
  creditIdleReturnMs: 500,
  /**
   * A request on a spent balance waits up to this long for blocks held by other replicas to come
   * back before its 402 (near the end of a balance they come back after 100 ms idle + a 50 ms
   * sweep); below the decision timeout.
   */
  creditReturnWaitMs: 1_000,
  /** A spent balance is remembered this long before the portal is asked again. */
  creditExhaustedMemoMs: 1_000,
  /**
   * A usage report's extra debit is retried this long while the portal cannot be reached, then
   * counted as unbilled (below the Express gateway's default report timeout of 5 s).
   */
  usageRetryForMs: 2_000,
  /** Settling a proof (tx lookup, x402 settlement) may wait for a chain. */
  portalSettleTimeoutMs: 15_000,
  portalPublicPathPrefix: '/_402',
  /** How long the pay link of a browser 402 stays usable. */
  payLinkTtlSeconds: 3_600,
  /**
   * Challenge receive addresses kept ready in memory, so an API 402 only reads memory. Deriving one
   * costs the portal ~0.2 ms (bench/results/authz.md); the buffer absorbs bursts above that rate.
   */
  challengeAddressBuffer: 4_096,
  /** Addresses leased from the portal per call (one database write per lease). */
  challengeLeaseSize: 1_024,
  /** How often the portal's payee description (networks, wallets, x402 address) is refreshed. */
  payeeRefreshSeconds: 60,
  /** How often the portal's sites are polled (If-None-Match: an unchanged list is a bodiless 304). */
  sitesRefreshMs: 2_000,
  x402MaxTimeoutSeconds: 300,
  /**
   * Token lifetime for a declaration without `exp` (the original 402 project's tokens never
   * expired; an hour is the bounded stand-in).
   */
  declarationDefaultTokenLifetimeMs: 3_600_000,
  /** The /.well-known/x402 list of priced resources: off (it tells everyone what a site sells). */
  discoveryWellKnown: false,
  /** An unconfigured host is a mistake, not a free pass. */
  unknownHosts: 'forbidden',
  /** Covers a cold miss (HEAD + GET fallback, 2 × probeTimeoutMs) with room to spare. */
  decisionTimeoutMs: 1_500,
  /**
   * A gateway may cache a cacheable allow this long (a revoked or spent token may pass for up to
   * this; docs/authz-service.md): a few seconds takes the repeated decisions off the authorizer.
   */
  decisionCacheMaxAgeSeconds: 5,
  logLevel: 'info',
} as const;

/** Environment overrides: `TURNPIKE_AUTHZ__probe__timeoutMs=500`. */
export const AUTHZ_ENV_PREFIX = 'TURNPIKE_AUTHZ';
