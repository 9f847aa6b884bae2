import { Gauge, type Registry } from 'prom-client';
import type { WatcherHealth } from './watcher-health.js';

/**
 * Gauges read from the watchers' kept health at scrape time: lag in blocks (EVM), the time of the
 * last successful pass, the age of the newest block read, and whether each RPC endpoint's last call
 * worked.
 */
export function registerWatcherMetrics(
  registry: Registry,
  healths: readonly WatcherHealth[],
  now: () => number = Date.now,
): void {
  new Gauge({
    name: 'turnpike_portal_watcher_lag_blocks',
    help: 'Blocks between the chain head and the watcher cursor at its last pass (EVM)',
    labelNames: ['network'],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of healths) {
        const s = h.snapshot();
        if (s.headBlock !== undefined && s.cursorBlock !== undefined)
          this.set({ network: s.network }, Number(s.headBlock - s.cursorBlock));
      }
    },
  });
  new Gauge({
    name: 'turnpike_portal_watcher_last_success_timestamp_seconds',
    help: 'Unix time of the watcher’s last successful pass',
    labelNames: ['network'],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of healths) {
        const s = h.snapshot();
        if (s.lastSuccessAt !== undefined) this.set({ network: s.network }, s.lastSuccessAt / 1000);
      }
    },
  });
  new Gauge({
    name: 'turnpike_portal_chain_head_age_seconds',
    help: 'Now minus the timestamp of the newest block the watcher has read (EVM; only on the replica holding the scan lease)',
    labelNames: ['network'],
    registers: [registry],
    collect() {
      this.reset();
      const nowSeconds = now() / 1000;
      for (const h of healths) {
        const s = h.snapshot();
        if (s.newestBlockTimestamp !== undefined)
          this.set({ network: s.network }, Math.max(0, nowSeconds - s.newestBlockTimestamp));
      }
    },
  });
  new Gauge({
    name: 'turnpike_portal_rpc_endpoint_up',
    help: 'Whether the last call to a watcher RPC endpoint (by position in rpcUrls) succeeded',
    labelNames: ['network', 'endpoint'],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of healths) {
        const s = h.snapshot();
        for (const e of s.rpc)
          if (e.state !== 'unused')
            this.set({ network: s.network, endpoint: String(e.endpoint) }, e.state === 'up' ? 1 : 0);
      }
    },
  });
}
