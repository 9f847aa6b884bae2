import type { AddressInfo } from 'node:net';
import { DEFAULT_SITE_ID, deriveSealKeys } from '@turnpike/protocol';
import {
  createLogger,
  createMetrics,
  healthHandlers,
  metricsHandler,
  type Logger,
} from '@turnpike/protocol/service';
import type { Registry } from 'prom-client';
import { resolveAuthzConfig } from './config/load.js';
import type { AuthzConfig } from './config/schema.js';
import { createDecider } from './core/decide.js';
import { createCreditMeter, type CreditMeter } from './credits/credit-meter.js';
import { createFreeTierCounter } from './credits/free-tier.js';
import { createPricingGate } from './credits/pricing-gate.js';
import type { Decide, DenyDecision, NeutralRequest, RenderedResponse } from './core/types.js';
import { createAuthzMetrics, type AuthzMetrics } from './metrics.js';
import { createPortalClient } from './portal/client.js';
import { createPortalTokenCheck } from './portal/token-check.js';
import { createProofRedeemer } from './proofs/redeem.js';
import { createAddressSource, type AddressSource } from './challenges/address-source.js';
import { createPayeeCache } from './challenges/payee-cache.js';
import { pricedResources } from './discovery/priced-resources.js';
import { wellKnownHandler } from './transports/http/well-known.js';
import { renderDenial, type RenderDeps } from './render/render-denial.js';
import { createSiteAddressSources, type SiteAddressSources } from './sites/site-address-sources.js';
import { createSiteRenderDeps } from './sites/site-render-deps.js';
import { siteRequirements } from './sites/site-requirements.js';
import { siteRouteTable } from './sites/site-routes.js';
import { createSiteUpstreams } from './sites/site-upstreams.js';
import { createSitesCache, type SitesCache } from './sites/sites-cache.js';
import { createProbeCache, type PurgeSelector } from './requirements/probe-cache.js';
import type { probeUpstream } from './requirements/probe.js';
import { createRequirementResolver } from './requirements/resolve.js';
import { createRouteTable } from './requirements/static-routes.js';
import { createUpstreamMap } from './requirements/upstreams.js';
import { createTokenChecker } from './tokens/check.js';
import { createKeyStore } from './tokens/keys.js';
import { createTokenVerifier } from './tokens/verify.js';
import { adminPurgeHandler } from './transports/http/admin.js';
import { AllowMemoStore, type AllowMemo } from './transports/http/allow-memo.js';
import { usageHandler } from './transports/http/usage.js';
import { createUsageReporter } from './credits/usage-report.js';
import { createAuthzHttpServer } from './transports/http/server.js';
import { trustedProxies } from './transports/http/trusted-proxies.js';

/**
 * Allows the memo keeps. An entry holds its key (the token sources, ~1–2 KB) and a few header
 * strings: 4,096 entries stay under ~10 MB, and beyond that many distinct token × URI pairs within
 * a few seconds the least recently used are decided again.
 */
const ALLOW_MEMO_MAX_ENTRIES = 4_096;

export interface StartAuthzServiceOptions {
  logger?: Logger;
  /** Replaces the upstream probe (tests). */
  probeFn?: typeof probeUpstream;
}

export interface AuthzServiceHandle {
  httpPort: number;
  grpcPort?: number;
  /** The core, for in-process callers (the Express integration, benches). */
  decide: Decide;
  renderDenial: (decision: DenyDecision, req: NeutralRequest) => Promise<RenderedResponse>;
  /** The credit meter of metered resources (docs/credits.md). */
  credits: CreditMeter;
  /** The buffer of leased challenge addresses (benches warm it up before measuring). */
  challengeAddresses: AddressSource;
  /** The sites polled from the portal (docs/sites.md). */
  sites: SitesCache;
  purge(selector: PurgeSelector): number;
  /** The memo of cacheable allows (transports/http/allow-memo.ts); absent when decisionCache.maxAgeSeconds is 0. */
  allowMemo?: AllowMemo;
  metrics: AuthzMetrics;
  registry: Registry;
  close(): Promise<void>;
}

/**
 * Starts the authorizer: the HTTP listener for every HTTP dialect (plus health, metrics and
 * admin) and, when `listeners.grpcPort` is set, Envoy's gRPC ext_authz. Port 0 picks a free port.
 */
export async function startAuthzService(
  config: AuthzConfig,
  opts: StartAuthzServiceOptions = {},
): Promise<AuthzServiceHandle> {
  const { registry: networks, routes, goDurationExps } = resolveAuthzConfig(config);
  const logger = opts.logger ?? createLogger({ name: 'authz-service', level: config.logLevel });
  for (const g of goDurationExps)
    logger.warn(
      g,
      'deprecated: the route request gives exp as a Go duration in nanoseconds; read as milliseconds of lifetime (write exp in milliseconds)',
    );
  const registry = createMetrics();
  const metrics = createAuthzMetrics(registry);

  const probeResults = {
    hit: metrics.probeCache.labels('hit'),
    miss: metrics.probeCache.labels('miss'),
    stale: metrics.probeCache.labels('stale'),
  };
  // Cacheable allows remembered whole (transports/http/allow-memo.ts); off with decisionCache.maxAgeSeconds 0.
  const allowMemo =
    config.decisionCache.maxAgeSeconds === 0 ? undefined : new AllowMemoStore(ALLOW_MEMO_MAX_ENTRIES);
  const keys = await createKeyStore(config.jwks, {
    onRefresh: (result) => {
      metrics.jwksRefresh.inc({ result });
      // A key set fetched again may have dropped the key a remembered allow was verified with.
      allowMemo?.clear();
    },
  });
  void keys.warmUp().then((ok) => {
    if (!ok) logger.warn('token keys not loaded yet; /readyz answers 503 until they are');
  });
  const verifier = createTokenVerifier({
    getKey: keys.getKey,
    issuer: config.issuer,
    clockSkewSeconds: config.clockSkewSeconds,
    cacheMaxEntries: config.tokens.cacheMaxEntries,
  });
  const tokens = createTokenChecker({
    verifier,
    keys,
    issuer: config.issuer,
    clockSkewSeconds: config.clockSkewSeconds,
  });
  const cache = createProbeCache({
    maxEntries: config.probe.cacheMaxEntries,
    defaultTtlSeconds: config.probe.defaultTtlSeconds,
    negativeTtlSeconds: config.probe.negativeTtlSeconds,
    staleIfErrorSeconds: config.probe.staleIfErrorSeconds,
    onResult: (result) => probeResults[result].inc(),
    onChange: () => allowMemo?.clear(),
  });
  const routeTable = createRouteTable(routes);
  const portal = createPortalClient({
    baseUrl: config.portal.internalUrl,
    token: config.portal.token.reveal(),
    timeoutMs: config.portal.timeoutMs,
  });
  // Made below, with the portal client that leases; a sites change before then has nothing to drop.
  const siteAddresses: { current?: SiteAddressSources } = {};
  // Sites (docs/sites.md): host → site from memory, polled from the portal; the last good copy stays.
  const sites = createSitesCache({
    portal,
    refreshMs: config.challenges.sitesRefreshMs,
    logger,
    onChange: (table) => {
      allowMemo?.clear();
      siteAddresses.current?.retain(table.ids());
    },
  });
  void sites.refresh().catch(() => undefined);
  const requirements = siteRequirements(
    createRequirementResolver({
      routes: siteRouteTable(routeTable, sites),
      upstreams: createSiteUpstreams(createUpstreamMap(config.upstreams), sites),
      cache,
      registry: networks,
      unknownHosts: config.unknownHosts,
      defaultTokenLifetimeMs: config.declarations.defaultTokenLifetimeMs,
      tokenLifetimeMsFor: (host) => sites.current().siteOf(host).tokenLifetimeMs,
      probe: {
        timeoutMs: config.probe.timeoutMs,
        maxBodyBytes: config.probe.maxBodyBytes,
        metaFromHtml: config.probe.metaFromHtml,
      },
      ...(opts.probeFn === undefined ? {} : { probeFn: opts.probeFn }),
    }),
    sites,
  );
  // Calls that take long on the portal's side: settling (it may wait for the chain) and leasing a
  // block of challenge addresses (derivation is CPU work, slow on a loaded portal).
  const slowPortal = createPortalClient({
    baseUrl: config.portal.internalUrl,
    token: config.portal.token.reveal(),
    timeoutMs: config.portal.settleTimeoutMs,
  });
  const credits = createCreditMeter({
    portal,
    blockRequests: config.credits.blockRequests,
    leaseTtlSeconds: config.credits.leaseTtlSeconds,
    idleReturnMs: config.credits.idleReturnMs,
    exhaustedMemoMs: config.credits.exhaustedMemoMs,
    returnWaitMs: config.credits.returnWaitMs,
    onReturnFailed: (err) =>
      logger.warn(
        { err: { name: (err as Error).name } },
        'returning unspent credit failed; it stays with its lease',
      ),
  });
  const decide = createDecider({
    requirements,
    tokens,
    sites,
    pricing: createPricingGate({ meter: credits, freeTier: createFreeTierCounter({ portal }) }),
    timeoutMs: config.decision.timeoutMs,
    decisionCacheMaxAgeSeconds: config.decisionCache.maxAgeSeconds,
    proofs: {
      redeemer: createProofRedeemer({
        portal: slowPortal,
        tokens,
        timeoutMs: config.portal.settleTimeoutMs + 500,
      }),
      registry: networks,
    },
  });
  // Stateless 402s: pay links and API challenges are sealed here with keys shared with the portal
  // (derived from the internal API secret); challenge addresses are leased in blocks and kept ready.
  const payee = createPayeeCache({ portal, refreshMs: config.challenges.payeeRefreshSeconds * 1000, logger });
  const addresses = createAddressSource({
    portal: slowPortal,
    bufferSize: config.challenges.addressBuffer,
    leaseSize: config.challenges.leaseSize,
    waitMs: config.portal.timeoutMs,
    logger,
  });
  siteAddresses.current = createSiteAddressSources({
    defaultSource: addresses,
    portal: slowPortal,
    bufferSize: config.challenges.leaseSize,
    leaseSize: Math.max(1, Math.floor(config.challenges.leaseSize / 2)),
    waitMs: config.portal.timeoutMs,
    logger,
  });
  // The start-up warm-up: the payee and a first block of addresses. Until it ends, /readyz says not
  // ready (a new replica would answer API clients 503 while it waits); once it has ended, by success
  // or by the portal's failure, readiness no longer depends on it (a portal that is down must not
  // take every authorizer out of rotation: token holders still pass).
  let warmUp: { ok: boolean; detail?: string } = { ok: false, detail: 'leasing challenge addresses' };
  void payee
    .ready()
    .then((p) =>
      p.evm === undefined ? undefined : addresses.fill(Math.ceil(config.challenges.addressBuffer / 2)),
    )
    .then(
      () => (warmUp = { ok: true }),
      (err: unknown) =>
        (warmUp = { ok: true, detail: `start-up lease failed (${(err as Error).name}); leasing on demand` }),
    );
  const renderDeps = {
    portal,
    registry: networks,
    sealKeys: deriveSealKeys(config.portal.token.reveal()),
    payee,
    addresses,
    publicPathPrefix: config.portal.publicPathPrefix,
    payLinkTtlSeconds: config.challenges.payLinkTtlSeconds,
    x402MaxTimeoutSeconds: config.x402.maxTimeoutSeconds,
    log: logger,
  };
  const siteRenderDeps: RenderDeps = {
    ...renderDeps,
    forSite: createSiteRenderDeps(renderDeps, sites, siteAddresses.current),
  };
  // Synchronous when the answer needs no I/O (almost always): no promise on the 402's path.
  const render = (
    decision: DenyDecision,
    req: NeutralRequest,
  ): RenderedResponse | Promise<RenderedResponse> => renderDenial(decision, req, siteRenderDeps);

  // Readiness only (never on the decision path): keys loaded, and the portal accepts our internal
  // token (checked at most every few seconds; an unreachable portal does not make us unready).
  const portalToken = createPortalTokenCheck({ portal });
  const health = healthHandlers({
    ready: async () => {
      const [keysOk, portalCheck] = await Promise.all([keys.ready() || keys.warmUp(), portalToken.check()]);
      return {
        ok: keysOk && portalCheck.ok && warmUp.ok,
        checks: {
          keys: keysOk ? { ok: true } : { ok: false, detail: 'token keys not loaded' },
          portalToken: portalCheck,
          challengeAddresses: warmUp,
        },
      };
    },
  });
  // A purge drops the remembered allows too: whatever it is meant to change is seen at once.
  const purge = (selector: PurgeSelector): number => {
    allowMemo?.clear();
    return cache.purge(selector);
  };
  const adminToken = config.listeners.adminToken;
  const usageToken = config.usage.token;
  const server = createAuthzHttpServer({
    decide,
    render,
    logger,
    metrics,
    healthz: health.healthz,
    readyz: health.readyz,
    metricsHandler: metricsHandler(registry),
    trustedProxies: trustedProxies(config.listeners.trustedProxies),
    timeouts: config.listeners,
    ...(allowMemo === undefined ? {} : { allowMemo }),
    wellKnown: wellKnownHandler({
      enabled: config.discovery.wellKnown,
      list: (scheme, host) =>
        pricedResources(
          {
            // A host's own site: its routes (none for a stored site) and its payee.
            routes: siteRouteTable(routeTable, sites),
            cache,
            registry: networks,
            payee: () => {
              const site = sites.current().siteOf(host);
              return site.id === DEFAULT_SITE_ID ? payee.current() : site.payee;
            },
            maxTimeoutSeconds: config.x402.maxTimeoutSeconds,
          },
          scheme,
          host,
        ),
    }),
    ...(usageToken === undefined
      ? {}
      : {
          usage: usageHandler({
            token: usageToken.reveal(),
            report: createUsageReporter({
              requirements,
              meter: credits,
              retryForMs: config.usage.retryForMs,
            }),
            logger,
            metrics,
          }),
        }),
    ...(adminToken === undefined
      ? {}
      : {
          adminPurge: adminPurgeHandler({ token: adminToken.reveal(), purge, logger }),
        }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listeners.httpPort, config.listeners.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const httpPort = (server.address() as AddressInfo).port;

  let grpc: { port: number; close(): Promise<void> } | undefined;
  if (config.listeners.grpcPort !== undefined) {
    try {
      const { startGrpcServer } = await import('./transports/grpc/server.js');
      grpc = await startGrpcServer({
        decide,
        renderDenial: render,
        logger,
        metrics,
        host: config.listeners.host,
        port: config.listeners.grpcPort,
        // gRPC health answers from memory; each call also refreshes the cached token check in the
        // background (at most one portal call per cache period), for meshes that never ask /readyz.
        isReady: () => {
          void portalToken.check();
          return keys.ready() && portalToken.lastAccepted() && warmUp.ok;
        },
      });
    } catch (err) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
  }
  logger.info({ httpPort, grpcPort: grpc?.port }, 'authz-service listening');

  let closing: Promise<void> | undefined;
  return {
    httpPort,
    ...(grpc === undefined ? {} : { grpcPort: grpc.port }),
    decide,
    renderDenial: async (decision, req) => render(decision, req),
    challengeAddresses: addresses,
    sites,
    credits,
    purge,
    ...(allowMemo === undefined ? {} : { allowMemo }),
    metrics,
    registry,
    close() {
      closing ??= (async () => {
        payee.stop();
        sites.stop();
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 2_000);
        await Promise.all([httpClosed, grpc?.close()]);
        clearTimeout(force);
        // After the last request: what this replica leased and did not spend goes back.
        await credits.close();
        portal.close();
        slowPortal.close();
      })();
      return closing;
    },
  };
}
