import type { WatcherHealth } from '../watchers/watcher-health.js';
import type { SettlementFailureLog } from './reports/settlement-failure-log.js';

/** What the admin areas read beyond the portal context: this replica's in-memory state. */
export interface AdminDeps {
  /** This replica's watchers (their health is what /readyz reports). */
  watcherHealths: readonly WatcherHealth[];
  /** This replica's recent x402 settlement failures; absent: none kept. */
  settlementFailures: SettlementFailureLog | undefined;
}

export function adminDeps(given: Partial<AdminDeps> = {}): AdminDeps {
  return {
    watcherHealths: given.watcherHealths ?? [],
    settlementFailures: given.settlementFailures,
  };
}
