import { watchersCheck, type NetworkReadiness } from '../../start/watchers-check.js';
import type { WatcherHealth } from '../../watchers/watcher-health.js';

/** One network's watcher as /readyz reports it, plus how old the newest block it read is. */
export interface WatcherLag extends NetworkReadiness {
  network: string;
  /** Seconds between now and the newest block this replica's watcher read (EVM, while it scans). */
  newestBlockAgeSeconds: number | null;
}

/**
 * The watchers' health on this replica, the same judgement as /readyz (`watchersCheck` with
 * `readiness.watcherStaleAfterMs`): per network whether it is watched, the lag in blocks (EVM: head
 * minus cursor), the time since the last successful pass, failures and RPC endpoints. In-memory:
 * another replica may hold the scan lease and report its own.
 */
export function watcherLag(
  healths: readonly WatcherHealth[],
  opts: { staleAfterMs: number; now?: number },
): { ok: boolean; detail: string; networks: WatcherLag[] } {
  const now = opts.now ?? Date.now();
  const check = watchersCheck(healths, { staleAfterMs: opts.staleAfterMs, now });
  const networks = healths.map((h) => {
    const snapshot = h.snapshot();
    const newest = snapshot.newestBlockTimestamp;
    return {
      network: h.network,
      ...check.networks[h.network]!,
      newestBlockAgeSeconds: newest === undefined ? null : Math.max(0, Math.round(now / 1000 - newest)),
    };
  });
  return { ok: healths.length === 0 || check.ok, detail: check.detail, networks };
}
