import { randomUUID } from 'node:crypto';
import { createNetworkRegistry, deriveSealKeys } from '@turnpike/protocol';
import { createLogger, createMetrics, type Logger } from '@turnpike/protocol/service';
import type { PortalConfig } from './config/schema.js';
import type { PortalContext } from './context.js';
import { createAdminApp } from './admin/admin-app.js';
import {
  createSettlementFailureLog,
  recordingSettlementFailures,
} from './admin/reports/settlement-failure-log.js';
import { createInternalApp } from './internal-api/internal-app.js';
import { loadPayPageView } from './invoices/pay-page-view.js';
import { createPortalEvents } from './events/portal-events.js';
import { createPortalMetrics } from './metrics.js';
import type { Relayer, SettleVerifiers } from './proofs/index.js';
import { createInvoiceHub } from './public/invoice-hub.js';
import { createPublicApp } from './public/public-app.js';
import { createXpubDeriver } from './addresses/xpub-deriver.js';
import { describePayee } from './challenges/payee.js';
import { brandingView } from './sites/branding-view.js';
import { startSiteRegistry } from './sites/site-registry.js';
import { startAddressPool } from './start/address-pool.js';
import { checkPortalConfig } from './start/check-config.js';
import { createCloser } from './start/closer.js';
import { startJobs } from './start/jobs.js';
import { listenOn } from './start/listeners.js';
import { loadFeePayer, monitorFeePayer, wireProofs } from './start/proofs.js';
import { createReadiness } from './start/readiness.js';
import { chainSettings, startWatchers } from './start/watchers.js';
import { migrate, openDatabase, type Database } from './storage/index.js';
import { loadSigningKeys } from './tokens/signing-keys.js';
import type { EvmWatcher } from './watchers/evm/evm-watcher.js';
import type { SolanaWatcher } from './watchers/solana/index.js';

export interface StartPaymentPortalOptions {
  logger?: Logger;
  /** Settle verifiers by proof type; default the ones built from `proofs:` config (createSettleVerifiers). */
  verifiers?: SettleVerifiers;
  /** Replica id for watcher leases; default a random UUID. */
  replicaId?: string;
}

export interface RunningPaymentPortal {
  /** Base URL of the public listener (serves `<prefix>/…`, /healthz, /readyz, /metrics). */
  publicUrl: string;
  /** Base URL of the internal API listener. */
  internalUrl: string;
  /** Base URL of the admin listener (admin API, dashboard); absent without `admin`. */
  adminUrl: string | undefined;
  db: Database;
  context: PortalContext;
  watchers: ReadonlyMap<string, EvmWatcher | SolanaWatcher>;
  /** The x402 relayer, when `proofs.x402.mode` is 'relayer'. */
  relayer: Relayer | undefined;
  /** This replica's id (the owner name of its watcher leases). */
  replicaId: string;
  /** Stops everything; calling it again does nothing. */
  close(): Promise<void>;
}

/**
 * Starts the portal: opens the database and applies migrations, loads the token keys, fills the
 * receive address pool, starts one watcher per configured network, and listens on the public and
 * internal listeners. Each area is wired in its own module under start/; `close()` stops it all in
 * reverse order.
 */
export async function startPaymentPortal(
  config: PortalConfig,
  opts: StartPaymentPortalOptions = {},
): Promise<RunningPaymentPortal> {
  const logger = opts.logger ?? createLogger({ name: 'payment-portal', level: config.logLevel });
  const registry = createNetworkRegistry(config.networks);
  checkPortalConfig(config, registry);
  const keys = loadSigningKeys(config.tokens.signingKeys);
  const solanaFeePayer = loadFeePayer(config);
  const db = await openDatabase({
    url: config.database.url?.reveal(),
    dataDir: config.database.dataDir,
    memory: config.database.memory,
    poolSize: config.database.poolSize,
    env: {},
    logger,
  });
  const closer = createCloser(logger);
  closer.add(() => db.close());
  try {
    await migrate(db, { logger });
    const registryMetrics = createMetrics('turnpike_portal_');
    const metrics = createPortalMetrics(registryMetrics);
    // The dashboard lists this replica's recent settlement failures (kept in memory, bounded).
    const settlementFailures = createSettlementFailureLog(registry);
    const events = recordingSettlementFailures(
      createPortalEvents({ logger, registry, metrics }),
      settlementFailures,
    );
    const evmPool = await startAddressPool(config, { db, logger, closer });
    const chains = chainSettings(config, registry);
    const deriver = config.wallets.evm ? createXpubDeriver(config.wallets.evm.xpub) : undefined;
    const payeeSettings = {
      txProofs: config.proofs.tx.enabled,
      x402: config.proofs.x402?.enabled === true,
      solanaFeePayer: solanaFeePayer?.address,
      challengeTtlSeconds: config.invoice.expiryMinutes * 60,
    };
    const payee = describePayee(
      { ...payeeSettings, solanaWallet: config.wallets.solana?.address },
      { registry, rpcUrls: chains.rpcUrls, deriver },
    );
    const sites = await startSiteRegistry({
      db,
      registry,
      defaultSite: { deriver, evmPool, solanaWallet: config.wallets.solana?.address, payee },
      payeeSettings,
      rpcUrls: chains.rpcUrls,
      pool: { lowWater: config.wallets.evm?.poolLowWater ?? 50, batch: config.wallets.evm?.poolBatch ?? 200 },
      pollMs: config.sites.pollMs,
      logger,
    });
    closer.add(() => sites.stop());
    const view = {
      registry,
      prefix: config.publicPathPrefix,
      confirmations: chains.confirmations,
      devPay: config.dev.payFromAccount !== undefined,
      devChainId: config.dev.chainId,
      brandingOf: (siteId: string) => brandingView(sites.byId(siteId)?.definition?.branding),
    };
    const hub = createInvoiceHub((id) => loadPayPageView(db, id, view));
    closer.add(async () => hub.close());
    const context: PortalContext = {
      config,
      db,
      registry,
      keys,
      sealKeys: deriveSealKeys(config.listeners.internalToken.reveal()),
      deriver,
      payee,
      evmPool,
      invoiceDeps: {
        db,
        registry,
        evmPool,
        solanaWallet: config.wallets.solana?.address,
        watchedNetworks: chains.watchedNetworks,
        expiryMinutes: config.invoice.expiryMinutes,
        rateLimitPerMinutePerIp: config.invoice.rateLimitPerMinutePerIp,
      },
      view,
      hub,
      rpcUrls: chains.rpcUrls,
      logger,
      metrics,
      events,
      registryMetrics,
      sites,
    };
    const replicaId = opts.replicaId ?? randomUUID();
    const watchers = startWatchers({
      config,
      registry,
      chains,
      db,
      metrics,
      events,
      hub,
      replicaId,
      logger,
      closer,
    });
    startJobs({ config, db, hub, metrics, logger, closer });
    const { verifiers, relayer } = wireProofs(config, {
      registry,
      rpcUrls: chains.rpcUrls,
      registryMetrics,
      verifiers: opts.verifiers,
      solanaFeePayer,
    });
    const feePayer =
      solanaFeePayer === undefined
        ? undefined
        : monitorFeePayer(config, solanaFeePayer, {
            networks: context.payee.x402Svm?.networks ?? [],
            rpcUrls: chains.rpcUrls,
            registryMetrics,
            logger,
          });
    const ready = createReadiness({ config, db, relayer, feePayer, watchers, registry: registryMetrics });
    const { listeners } = config;
    const publicUrl = await listenOn(
      createPublicApp(context, { ready }),
      listeners.public,
      listeners,
      closer,
    );
    const internalUrl = await listenOn(
      createInternalApp(context, { verifiers }),
      listeners.internal,
      listeners,
      closer,
    );
    const adminUrl =
      config.admin === undefined
        ? undefined
        : await listenOn(
            createAdminApp(context, config.admin.token.reveal(), {
              watcherHealths: [...watchers.values()].map((w) => w.health),
              settlementFailures,
            }),
            config.admin.listen,
            listeners,
            closer,
          );
    logger.info(
      { publicUrl, internalUrl, adminUrl, watchers: [...watchers.keys()] },
      'payment portal started',
    );
    return {
      publicUrl,
      internalUrl,
      adminUrl,
      db,
      context,
      watchers,
      relayer,
      replicaId,
      close: closer.close,
    };
  } catch (err) {
    await closer.close();
    throw err;
  }
}
