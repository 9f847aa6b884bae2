import { MAX_TOKEN_LIFETIME_MS, MIN_TOKEN_LIFETIME_MS, networkOverridesSchema } from '@turnpike/protocol';
import {
  checkServerTimeouts,
  headersTimeoutMsSchema,
  internalSecretSchema,
  keepAliveTimeoutMsSchema,
  secretSourceSchema,
} from '@turnpike/protocol/service';
import { z } from 'zod';
import { AUTHZ_DEFAULTS as D } from './defaults.js';
import { parseIpRange } from './ip-range.js';

const port = z.number().int().min(0).max(65_535);
const positiveInt = z.number().int().positive();
const httpUrl = z.url({ protocol: /^https?$/ });
const METHOD = /^[A-Z]+$/;
/** `example.com`, `*.example.com`, optionally with `:port`; lower-case. */
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;
const hostPattern = z
  .string()
  .regex(HOST_PATTERN, 'expected a lower-case host name, optionally "*." first and ":port" last');

const listenersSchema = z
  .strictObject({
    host: z.string().min(1).default(D.listenHost),
    httpPort: port.default(D.httpPort),
    /** The gRPC ext_authz listener; absent = no gRPC. */
    grpcPort: port.optional(),
    /** Bearer secret for `POST /admin/purge`; absent = the admin route answers 404. */
    adminToken: secretSourceSchema.optional(),
    /**
     * Peers (IPs or CIDR ranges) whose X-Forwarded-For / X-Real-IP are believed for the client
     * address; from anyone else the socket peer is the client.
     */
    trustedProxies: z
      .array(
        z
          .string()
          .refine(
            (s) => parseIpRange(s) !== undefined,
            'expected an IP address or CIDR range, e.g. 10.0.0.0/8',
          ),
      )
      .default(() => [...D.trustedProxies]),
    /** The HTTP listener: idle keep-alive connections outlive every shipped gateway's (docs/gateway-timeouts.md). */
    keepAliveTimeoutMs: keepAliveTimeoutMsSchema.default(D.keepAliveTimeoutMs),
    headersTimeoutMs: headersTimeoutMsSchema.default(D.headersTimeoutMs),
  })
  .superRefine(checkServerTimeouts);

const jwksSchema = z.union([
  z.strictObject({
    url: httpUrl,
    timeoutMs: positiveInt.default(D.jwksTimeoutMs),
    cooldownMs: z.number().int().min(0).default(D.jwksCooldownMs),
    cacheMaxAgeMs: positiveInt.default(D.jwksCacheMaxAgeMs),
  }),
  z.strictObject({ file: z.string().min(1) }),
]);

const routeSchema = z.strictObject({
  /** Names the route in logs, and for Envoy's context_extensions `route`. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional(),
  hosts: z.array(hostPattern).min(1),
  /** Globs over the normalised path: `*` within one segment, `**` across segments. */
  paths: z.array(z.string().startsWith('/')).min(1),
  /** Upper-case methods; absent = every method. */
  methods: z.array(z.string().regex(METHOD)).min(1).optional(),
  /** The payment request in its JSON wire form (as inside `x-402-request`). */
  request: z.record(z.string(), z.unknown()),
});

const probeSchema = z.strictObject({
  timeoutMs: positiveInt.default(D.probeTimeoutMs),
  maxBodyBytes: positiveInt.default(D.probeMaxBodyBytes),
  defaultTtlSeconds: z.number().int().min(0).default(D.probeDefaultTtlSeconds),
  negativeTtlSeconds: z.number().int().min(0).default(D.probeNegativeTtlSeconds),
  staleIfErrorSeconds: z.number().int().min(0).default(D.probeStaleIfErrorSeconds),
  cacheMaxEntries: positiveInt.default(D.probeCacheMaxEntries),
  /** GET an HTML page whose HEAD declared nothing, to read its <meta> declaration. */
  metaFromHtml: z.boolean().default(D.probeMetaFromHtml),
});

const portalSchema = z.strictObject({
  /** The portal's internal listener, e.g. http://portal:8091. */
  internalUrl: httpUrl,
  token: internalSecretSchema,
  timeoutMs: positiveInt.default(D.portalTimeoutMs),
  /** Settling a payment proof may wait for a chain: its own, longer timeout. */
  settleTimeoutMs: positiveInt.default(D.portalSettleTimeoutMs),
  publicPathPrefix: z
    .string()
    .regex(/^\/[A-Za-z0-9._~-]+$/)
    .default(D.portalPublicPathPrefix),
});

const creditsSchema = z.strictObject({
  /** Requests' worth of credit leased per token per block (the block is this × the resource's cost). */
  blockRequests: positiveInt.max(10_000).default(D.creditBlockRequests),
  /** How long a leased block may be spent; unspent credit goes back before it ends. */
  leaseTtlSeconds: positiveInt.min(5).max(600).default(D.creditLeaseTtlSeconds),
  /** A token unused this long gives its unspent blocks back. */
  idleReturnMs: positiveInt.default(D.creditIdleReturnMs),
  /** How long a request on a spent balance waits for blocks other replicas hold to come back. */
  returnWaitMs: z.number().int().nonnegative().default(D.creditReturnWaitMs),
  /** How long a spent balance is remembered before the portal is asked again. */
  exhaustedMemoMs: positiveInt.default(D.creditExhaustedMemoMs),
});

const usageSchema = z.strictObject({
  /**
   * Bearer secret a gateway presents on `POST /v1/usage` (docs/credits.md, "Usage"): reporting
   * usage spends a payer's credit, so unlike a decision it needs a credential. Absent = the
   * endpoint answers 404 and no usage is billed.
   */
  token: internalSecretSchema.optional(),
  /** How long an extra debit is retried while the portal cannot be reached before it is unbilled. */
  retryForMs: z.number().int().nonnegative().max(30_000).default(D.usageRetryForMs),
});

const challengesSchema = z
  .strictObject({
    payLinkTtlSeconds: positiveInt.max(7 * 24 * 3600).default(D.payLinkTtlSeconds),
    addressBuffer: positiveInt.max(1_000_000).default(D.challengeAddressBuffer),
    leaseSize: positiveInt.max(4_096).default(D.challengeLeaseSize),
    payeeRefreshSeconds: positiveInt.default(D.payeeRefreshSeconds),
    /** How often the sites (docs/sites.md) are polled from the portal. */
    sitesRefreshMs: positiveInt.min(100).max(600_000).default(D.sitesRefreshMs),
  })
  .refine((c) => c.leaseSize <= c.addressBuffer, {
    message: 'leaseSize must not exceed addressBuffer',
    path: ['leaseSize'],
  });

const declarationsSchema = z.strictObject({
  /** Token lifetime of a declaration (or route request) without `exp`. */
  defaultTokenLifetimeMs: positiveInt
    .min(MIN_TOKEN_LIFETIME_MS)
    .max(MAX_TOKEN_LIFETIME_MS)
    .default(D.declarationDefaultTokenLifetimeMs),
});

/** The authorizer's configuration file (YAML or JSON). Unknown keys are errors. */
export const authzConfigSchema = z.strictObject({
  listeners: listenersSchema.default(() => listenersSchema.parse({})),
  /** `iss` every token must carry (the portal's configured issuer). */
  issuer: z.string().min(1),
  jwks: jwksSchema,
  clockSkewSeconds: z.number().int().min(0).max(600).default(D.clockSkewSeconds),
  tokens: z
    .strictObject({ cacheMaxEntries: positiveInt.default(D.tokenCacheMaxEntries) })
    .default({ cacheMaxEntries: D.tokenCacheMaxEntries }),
  networks: networkOverridesSchema.optional(),
  routes: z.array(routeSchema).default([]),
  /** Host pattern → the upstream's internal base URL, probed directly (never through the gateway). */
  upstreams: z.record(hostPattern, httpUrl).default({}),
  /** A host that no route names and no upstream maps: refused (default) or passed as free. */
  unknownHosts: z.enum(['forbidden', 'free']).default(D.unknownHosts),
  probe: probeSchema.default(() => probeSchema.parse({})),
  /** How upstream declarations and route requests are read (docs/payment-request.md). */
  declarations: declarationsSchema.default(() => declarationsSchema.parse({})),
  portal: portalSchema,
  /**
   * `wellKnown`: serve each protected host's priced resources at `/.well-known/x402` (through the
   * gateway's route to `/v1/well-known/x402`). Off by default: it lists what a site charges for.
   */
  discovery: z
    .strictObject({ wellKnown: z.boolean().default(D.discoveryWellKnown) })
    .default({ wellKnown: D.discoveryWellKnown }),
  /** Stateless 402s: pay links, sealed API challenges and their receive addresses. */
  challenges: challengesSchema.default(() => challengesSchema.parse({})),
  x402: z
    .strictObject({ maxTimeoutSeconds: positiveInt.default(D.x402MaxTimeoutSeconds) })
    .default({ maxTimeoutSeconds: D.x402MaxTimeoutSeconds }),
  /** The credit meter of metered resources (docs/credits.md). */
  credits: creditsSchema.default(() => creditsSchema.parse({})),
  /** Usage-based cost reported by the upstream through the gateway (docs/credits.md, "Usage"). */
  usage: usageSchema.default({ retryForMs: D.usageRetryForMs }),
  decision: z
    .strictObject({ timeoutMs: positiveInt.default(D.decisionTimeoutMs) })
    .default({ timeoutMs: D.decisionTimeoutMs }),
  /**
   * How long a gateway may cache an allow that may be cached (docs/authz-service.md): at most
   * this, and never past the token's expiry. 0 = no allow is ever marked cacheable.
   */
  decisionCache: z
    .strictObject({
      maxAgeSeconds: z.number().int().min(0).max(300).default(D.decisionCacheMaxAgeSeconds),
    })
    .default({ maxAgeSeconds: D.decisionCacheMaxAgeSeconds }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(D.logLevel),
});

export type AuthzConfigInput = z.input<typeof authzConfigSchema>;
/** The parsed configuration (secrets resolved). Route requests are parsed by {@link loadAuthzConfig}. */
export type AuthzConfig = z.output<typeof authzConfigSchema>;
export type RouteConfig = AuthzConfig['routes'][number];
