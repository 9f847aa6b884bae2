import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNetworkRegistry, type EvmNetwork, type SolanaNetwork } from '@turnpike/protocol';
import { ConfigError, createLogger, createMetrics, type Logger } from '@turnpike/protocol/service';
import { formatEther } from 'ethers';
import { createAddressPool, type AddressPool } from './addresses/address-pool.js';
import { createEvmAddressDeriver } from './addresses/derive-evm.js';
import { crossFieldProblems } from './config/load-portal-config.js';
import type { PortalConfig } from './config/schema.js';
import type { PortalContext } from './context.js';
import { createInternalApp } from './internal-api/internal-app.js';
import { createSettleVerifiers, type SettleVerifiers } from './internal-api/settle-verifiers.js';
import { expireInvoices, type RefreshResult } from './invoices/refresh-invoices.js';
import { loadPayPageView } from './invoices/pay-page-view.js';
import { createPortalMetrics } from './metrics.js';
import { createInvoiceHub } from './public/invoice-hub.js';
import { registerRelayerMetrics, type Relayer } from './proofs/index.js';
import { createSolanaRpcClient } from './proofs/solana/index.js';
import { createPublicApp } from './public/public-app.js';
import { createReferenceSigner } from './reference/reference.js';
import { migrate, openDatabase, type Database } from './storage/index.js';
import { loadSigningKeys } from './tokens/signing-keys.js';
import { createEvmWatcher, type EvmWatcher } from './watchers/evm/evm-watcher.js';
import { createRpcClient } from './watchers/evm/rpc-client.js';
import { startSolanaWatcher, type SolanaWatcher } from './watchers/solana/index.js';

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

const EXPIRY_SWEEP_MS = 5_000;
const RELAYER_READY_TIMEOUT_MS = 2_000;

function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve(
        `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
      );
    });
  });
}

/**
 * Starts the portal: opens the database and applies migrations, loads the token keys, fills the
 * receive address pool, starts one watcher per configured network, and listens on the public and
 * internal listeners. `close()` stops it all in reverse order.
 */
export async function startPaymentPortal(
  config: PortalConfig,
  opts: StartPaymentPortalOptions = {},
): Promise<RunningPaymentPortal> {
  const logger = opts.logger ?? createLogger({ name: 'payment-portal', level: config.logLevel });
  const registry = createNetworkRegistry(config.networks);
  const problems = crossFieldProblems(config);
  for (const name of Object.keys(config.watchers)) {
    const network = registry.get(name);
    if (!network) problems.push(`watchers.${name}: no such network`);
    else if (network.kind === 'solana' && config.watchers[name]?.confirmations !== undefined)
      problems.push(
        `watchers.${name}.confirmations: Solana counts no confirmations (set networks.${name}.commitment)`,
      );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const keys = loadSigningKeys(config.tokens.signingKeys);
  const db = await openDatabase({
    url: config.database.url?.reveal(),
    dataDir: config.database.dataDir,
    memory: config.database.memory,
    poolSize: config.database.poolSize,
    env: {},
    logger,
  });
  const cleanups: Array<() => Promise<void>> = [() => db.close()];
  let closing: Promise<void> | undefined;
  const closeAll = () => {
    closing ??= (async () => {
      for (const fn of cleanups.reverse())
        await fn().catch((err: unknown) => logger.warn({ err }, 'close step failed'));
    })();
    return closing;
  };
  try {
    await migrate(db, { logger });
    const registryMetrics = createMetrics('turnpike_portal_');
    const metrics = createPortalMetrics(registryMetrics);

    let evmPool: AddressPool | undefined;
    if (config.wallets.evm) {
      evmPool = createAddressPool({
        db,
        deriver: createEvmAddressDeriver(config.wallets.evm.xpub),
        lowWater: config.wallets.evm.poolLowWater,
        batch: config.wallets.evm.poolBatch,
        logger,
      });
      await evmPool.refill();
      evmPool.start();
      const pool = evmPool;
      cleanups.push(() => pool.stop());
    }

    const confirmations = new Map<string, number>();
    const rpcUrls = new Map<string, readonly string[]>();
    for (const [name, w] of Object.entries(config.watchers)) {
      const network = registry.require(name);
      if (network.kind === 'evm') confirmations.set(name, w.confirmations ?? network.confirmations);
      rpcUrls.set(name, w.rpcUrls);
    }
    const view = {
      registry,
      prefix: config.publicPathPrefix,
      confirmations,
      devPay: config.dev.payFromAccount !== undefined,
    };
    const hub = createInvoiceHub((id) => loadPayPageView(db, id, view));
    cleanups.push(async () => hub.close());

    const watchedNetworks = new Set(
      Object.entries(config.watchers)
        .filter(([, w]) => w.enabled)
        .map(([name]) => name),
    );
    const context: PortalContext = {
      config,
      db,
      registry,
      keys,
      references: createReferenceSigner(keys),
      evmPool,
      invoiceDeps: {
        db,
        registry,
        evmPool,
        solanaWallet: config.wallets.solana?.address,
        watchedNetworks,
        expiryMinutes: config.invoice.expiryMinutes,
        rateLimitPerMinutePerIp: config.invoice.rateLimitPerMinutePerIp,
      },
      view,
      hub,
      rpcUrls,
      logger,
      metrics,
      registryMetrics,
    };

    const replicaId = opts.replicaId ?? randomUUID();
    const watchers = new Map<string, EvmWatcher | SolanaWatcher>();
    const onChange = (name: string) => (result: RefreshResult) => {
      for (const c of result.changed) metrics.invoiceTransitions.inc({ status: c.status });
      for (const _ of result.lateCredited) metrics.latePayments.inc({ network: name });
      hub.poke([...result.changed.map((c) => c.id), ...result.lateCredited]);
    };
    const onRpcCall = (name: string) => (method: string, _url: string, ok: boolean) =>
      metrics.rpcCalls.inc({ network: name, method, outcome: ok ? 'ok' : 'error' });
    for (const name of watchedNetworks) {
      const w = config.watchers[name]!;
      const kind = registry.require(name).kind;
      if (kind === 'solana') {
        const watcher = startSolanaWatcher({
          db,
          network: registry.require(name) as SolanaNetwork,
          rpc: createSolanaRpcClient({ urls: w.rpcUrls, timeoutMs: w.rpcTimeoutMs, onCall: onRpcCall(name) }),
          pollIntervalMs: w.pollIntervalMs,
          lateGraceMs: w.lateGraceMs,
          // The same freshness tolerance as the settle verifier, so both judge a payment alike.
          clockSkewMs: config.proofs.tx.clockSkewSeconds * 1_000,
          owner: replicaId,
          logger: logger.child({ watcher: name }),
          onChange: onChange(name),
        });
        watchers.set(name, watcher);
        cleanups.push(() => watcher.stop());
        continue;
      }
      const network = registry.require(name) as EvmNetwork;
      const watcher = createEvmWatcher({
        db,
        network,
        rpc: createRpcClient({ urls: w.rpcUrls, timeoutMs: w.rpcTimeoutMs, onCall: onRpcCall(name) }),
        confirmations: confirmations.get(name) ?? network.confirmations,
        pollIntervalMs: w.pollIntervalMs,
        maxBlockRange: w.maxBlockRange,
        topicOrListMax: w.topicOrListMax,
        lateGraceMs: w.lateGraceMs,
        owner: replicaId,
        logger: logger.child({ watcher: name }),
        onPass: (ms) => metrics.scanSeconds.observe({ network: name }, ms / 1000),
        onChange: onChange(name),
      });
      watchers.set(name, watcher);
      watcher.start();
      cleanups.push(() => watcher.stop());
    }

    const sweep = setInterval(() => {
      expireInvoices(db)
        .then((ids) => ids.length > 0 && hub.poke(ids))
        .catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'expiry sweep failed'));
    }, EXPIRY_SWEEP_MS);
    sweep.unref();
    cleanups.push(async () => clearInterval(sweep));

    let relayer: Relayer | undefined;
    let verifiers = opts.verifiers;
    if (!verifiers) {
      try {
        ({ verifiers, relayer } = createSettleVerifiers(config.proofs, { registry, rpcUrls }));
      } catch (err) {
        // createRelayer refuses a key that is not one (its message never repeats the key).
        if (err instanceof TypeError) throw new ConfigError([err.message]);
        throw err;
      }
    }
    if (relayer) registerRelayerMetrics(registryMetrics, relayer);

    const ready = async () => {
      const checks: Record<string, { ok: boolean; detail?: string }> = {};
      try {
        await db.query('SELECT 1');
        checks.database = { ok: true };
      } catch (err) {
        checks.database = { ok: false, detail: (err as Error).message };
      }
      if (relayer) checks.relayer = await relayerCheck(relayer);
      return { ok: Object.values(checks).every((c) => c.ok), checks };
    };
    const publicServer = createServer(createPublicApp(context, { ready }));
    const internalServer = createServer(createInternalApp(context, { verifiers }));
    const publicUrl = await listen(publicServer, config.listeners.public.host, config.listeners.public.port);
    cleanups.push(() => closeServer(publicServer));
    const internalUrl = await listen(
      internalServer,
      config.listeners.internal.host,
      config.listeners.internal.port,
    );
    cleanups.push(() => closeServer(internalServer));
    logger.info({ publicUrl, internalUrl, watchers: [...watchers.keys()] }, 'payment portal started');

    return { publicUrl, internalUrl, db, context, watchers, relayer, replicaId, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * The relayer in /readyz: its address and gas balance per network. Informational (always ok): an
 * unfunded relayer fails only x402 settlements, so taking the whole portal out of rotation would
 * do more harm; alert on the `turnpike_portal_relayer_balance` gauge instead.
 */
async function relayerCheck(relayer: Relayer): Promise<{ ok: boolean; detail: string }> {
  const status = await relayer.status(RELAYER_READY_TIMEOUT_MS);
  const parts = status.networks.map((n) =>
    n.balanceWei === undefined
      ? `${n.network}=unreadable`
      : `${n.network}=${formatEther(BigInt(n.balanceWei))}`,
  );
  return { ok: true, detail: `address ${status.address}; balance ${parts.join(' ') || 'no network'}` };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Event streams stay open until the client leaves; do not wait for them.
    server.closeAllConnections();
  });
}
