import type { EvmNetwork, NetworkRegistry, SolanaNetwork } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type { PortalConfig } from '../config/schema.js';
import type { RefreshResult } from '../invoices/refresh-invoices.js';
import type { PortalEvents } from '../events/portal-events.js';
import type { PortalMetrics } from '../metrics.js';
import { createSolanaRpcClient } from '../proofs/solana/index.js';
import type { InvoiceHub } from '../public/invoice-hub.js';
import type { Database } from '../storage/index.js';
import { createEvmWatcher, type EvmWatcher } from '../watchers/evm/evm-watcher.js';
import { createRpcClient } from '../watchers/evm/rpc-client.js';
import { createSolanaSlotReader, startSolanaWatcher, type SolanaWatcher } from '../watchers/solana/index.js';
import { createWatcherHealth, type WatcherHealth } from '../watchers/watcher-health.js';
import type { Closer } from './closer.js';

/** What the configured watchers mean for the rest of the portal. */
export interface ChainSettings {
  /** Confirmations per EVM network (the watcher's override, else the network's own). */
  confirmations: Map<string, number>;
  /** RPC URLs per configured network (verifiers and dev-pay use them too). */
  rpcUrls: Map<string, readonly string[]>;
  /** Networks with an enabled watcher: an invoice offer elsewhere could never be seen paid. */
  watchedNetworks: Set<string>;
}

/** Reads `watchers:` into the settings other parts need; starts nothing. */
export function chainSettings(config: PortalConfig, registry: NetworkRegistry): ChainSettings {
  const confirmations = new Map<string, number>();
  const rpcUrls = new Map<string, readonly string[]>();
  const watchedNetworks = new Set<string>();
  for (const [name, w] of Object.entries(config.watchers)) {
    const network = registry.require(name);
    if (network.kind === 'evm') confirmations.set(name, w.confirmations ?? network.confirmations);
    rpcUrls.set(name, w.rpcUrls);
    if (w.enabled) watchedNetworks.add(name);
  }
  return { confirmations, rpcUrls, watchedNetworks };
}

export interface StartWatchersDeps {
  config: PortalConfig;
  registry: NetworkRegistry;
  chains: ChainSettings;
  db: Database;
  metrics: PortalMetrics;
  /** payment.seen / payment.credited lines and the revenue metrics. */
  events: PortalEvents;
  hub: InvoiceHub;
  /** The owner name of this replica's watcher leases. */
  replicaId: string;
  logger: Logger;
  closer: Closer;
}

/**
 * Starts one watcher per enabled network (EVM log scanning, Solana signature polling); each one's
 * invoice changes are counted and poked into the pay pages' live status. Stopped by the closer.
 */
export function startWatchers(deps: StartWatchersDeps): Map<string, EvmWatcher | SolanaWatcher> {
  const { config, registry, metrics, hub, logger } = deps;
  const watchers = new Map<string, EvmWatcher | SolanaWatcher>();
  const onChange = (name: string) => (result: RefreshResult) => {
    for (const c of result.changed) metrics.invoiceTransitions.inc({ status: c.status });
    for (const _ of result.lateCredited) metrics.latePayments.inc({ network: name });
    hub.poke([...result.changed.map((c) => c.id), ...result.lateCredited]);
    if (result.credited.length > 0) deps.events.paymentsCredited(result.credited);
  };
  // Every RPC call is counted and recorded per endpoint in the watcher's health (/readyz).
  const onRpcCall = (name: string, health: WatcherHealth) => (method: string, url: string, ok: boolean) => {
    metrics.rpcCalls.inc({ network: name, method, outcome: ok ? 'ok' : 'error' });
    health.rpcCall(url, ok);
  };
  for (const name of deps.chains.watchedNetworks) {
    const w = config.watchers[name]!;
    const network = registry.require(name);
    const health = createWatcherHealth({
      network: name,
      kind: network.kind,
      rpcUrls: w.rpcUrls,
      pollIntervalMs: w.pollIntervalMs,
    });
    const onCall = onRpcCall(name, health);
    if (network.kind === 'solana') {
      const watcher = startSolanaWatcher({
        db: deps.db,
        network: network as SolanaNetwork,
        rpc: createSolanaRpcClient({ urls: w.rpcUrls, timeoutMs: w.rpcTimeoutMs, onCall }),
        readSlot: createSolanaSlotReader({
          urls: w.rpcUrls,
          timeoutMs: w.rpcTimeoutMs,
          commitment: (network as SolanaNetwork).commitment,
          onCall,
        }),
        health,
        pollIntervalMs: w.pollIntervalMs,
        lateGraceMs: w.lateGraceMs,
        // The same freshness tolerance as the settle verifier, so both judge a payment alike.
        clockSkewMs: config.proofs.tx.clockSkewSeconds * 1_000,
        owner: deps.replicaId,
        logger: logger.child({ watcher: name }),
        onChange: onChange(name),
      });
      watchers.set(name, watcher);
      deps.closer.add(() => watcher.stop());
      continue;
    }
    const watcher = createEvmWatcher({
      db: deps.db,
      network: network as EvmNetwork,
      rpc: createRpcClient({ urls: w.rpcUrls, timeoutMs: w.rpcTimeoutMs, onCall }),
      confirmations: deps.chains.confirmations.get(name) ?? (network as EvmNetwork).confirmations,
      pollIntervalMs: w.pollIntervalMs,
      maxBlockRange: w.maxBlockRange,
      topicOrListMax: w.topicOrListMax,
      lateGraceMs: w.lateGraceMs,
      owner: deps.replicaId,
      logger: logger.child({ watcher: name }),
      onPass: (ms) => metrics.scanSeconds.observe({ network: name }, ms / 1000),
      health,
      onChange: onChange(name),
      onSeen: (payments) => deps.events.paymentsSeen(payments),
    });
    watchers.set(name, watcher);
    watcher.start();
    deps.closer.add(() => watcher.stop());
  }
  return watchers;
}
