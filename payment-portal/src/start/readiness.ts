import { formatEther } from 'ethers';
import type { Registry } from 'prom-client';
import type { PortalConfig } from '../config/schema.js';
import type { FeePayerMonitor, Relayer } from '../proofs/index.js';
import type { Database } from '../storage/index.js';
import { registerWatcherMetrics } from '../watchers/watcher-metrics.js';
import type { WatcherHealth } from '../watchers/watcher-health.js';
import { watchersCheck } from './watchers-check.js';

const RELAYER_READY_TIMEOUT_MS = 2_000;

export type ReadinessCheck = { ok: boolean; detail?: string };
export type Readiness = () => Promise<{ ok: boolean; checks: Record<string, ReadinessCheck> }>;

/**
 * The portal's /readyz: the database answers; at least one configured network is watched (its
 * watcher completed a pass within `readiness.watcherStaleAfterMs`), with each watcher's lag and RPC
 * endpoints reported from what the watchers keep; the relayer's state is reported (see below).
 * Also registers the watchers' gauges on `registry`.
 */
export function createReadiness(deps: {
  config: PortalConfig;
  db: Database;
  relayer: Relayer | undefined;
  /** The x402 Solana fee payer, when `proofs.x402.solana` is configured. */
  feePayer?: FeePayerMonitor | undefined;
  watchers: ReadonlyMap<string, { health: WatcherHealth }>;
  registry: Registry;
}): Readiness {
  const healths = [...deps.watchers.values()].map((w) => w.health);
  registerWatcherMetrics(deps.registry, healths);
  const staleAfterMs = deps.config.readiness.watcherStaleAfterMs;
  return async () => {
    const checks: Record<string, ReadinessCheck> = {};
    try {
      await deps.db.query('SELECT 1');
      checks.database = { ok: true };
    } catch (err) {
      checks.database = { ok: false, detail: (err as Error).message };
    }
    // No watcher configured: nothing to watch, nothing to report.
    if (healths.length > 0) checks.watchers = watchersCheck(healths, { staleAfterMs, now: Date.now() });
    if (deps.relayer) checks.relayer = await relayerCheck(deps.relayer);
    if (deps.feePayer) checks.solanaFeePayer = await feePayerCheck(deps.feePayer);
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  };
}

/**
 * The relayer in /readyz: its address and gas balance per network. Informational (always ok): an
 * unfunded relayer fails only x402 settlements, so taking the whole portal out of rotation would
 * do more harm; alert on the `turnpike_portal_relayer_balance` gauge instead.
 */
async function relayerCheck(relayer: Relayer): Promise<ReadinessCheck> {
  const status = await relayer.status(RELAYER_READY_TIMEOUT_MS);
  const parts = status.networks.map((n) =>
    n.balanceWei === undefined
      ? `${n.network}=unreadable`
      : `${n.network}=${formatEther(BigInt(n.balanceWei))}`,
  );
  return { ok: true, detail: `address ${status.address}; balance ${parts.join(' ') || 'no network'}` };
}

const LAMPORTS_PER_SOL = 1_000_000_000;

/**
 * The x402 Solana fee payer in /readyz: its address and SOL balance per network, `LOW` where it is
 * under `proofs.x402.solana.lowBalanceLamports`. Informational (always ok), like the relayer: an
 * unfunded fee payer fails only Solana x402 settlements; alert on
 * `turnpike_portal_solana_fee_payer_low`.
 */
async function feePayerCheck(monitor: FeePayerMonitor): Promise<ReadinessCheck> {
  const status = await monitor.status(RELAYER_READY_TIMEOUT_MS);
  const parts = status.networks.map((n) =>
    n.lamports === undefined
      ? `${n.network}=unreadable`
      : `${n.network}=${Number(n.lamports) / LAMPORTS_PER_SOL} SOL${n.low ? ' LOW' : ''}`,
  );
  const low = status.networks.some((n) => n.low === true);
  return {
    ok: true,
    detail: `address ${status.address}; balance ${parts.join(' ') || 'no network'}${
      low ? `; LOW: under ${Number(status.lowBalanceLamports) / LAMPORTS_PER_SOL} SOL` : ''
    }`,
  };
}
