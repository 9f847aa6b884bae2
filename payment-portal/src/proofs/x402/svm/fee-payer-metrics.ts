import { Gauge, type Registry } from 'prom-client';
import type { FeePayerMonitor } from './fee-payer-status.js';

const LAMPORTS_PER_SOL = 1_000_000_000;

/**
 * `turnpike_portal_solana_fee_payer_balance{network, address}` (SOL) and
 * `turnpike_portal_solana_fee_payer_low{network, address}` (1 when under the configured low
 * balance), read at scrape time; a failed read leaves the network out, so an alert on absence or a
 * low value catches both an unfunded and an unreachable fee payer.
 */
export function registerFeePayerMetrics(registry: Registry, monitor: FeePayerMonitor): void {
  let pending: ReturnType<FeePayerMonitor['status']> | undefined;
  // One balance read per scrape for both gauges.
  const read = () => {
    pending ??= monitor.status().finally(() => {
      setTimeout(() => (pending = undefined), 0).unref();
    });
    return pending;
  };
  new Gauge({
    name: 'turnpike_portal_solana_fee_payer_balance',
    help: 'x402 Solana fee payer SOL balance, per network',
    labelNames: ['network', 'address'],
    registers: [registry],
    async collect() {
      this.reset();
      const status = await read();
      for (const n of status.networks)
        if (n.lamports !== undefined)
          this.set({ network: n.network, address: status.address }, Number(n.lamports) / LAMPORTS_PER_SOL);
    },
  });
  new Gauge({
    name: 'turnpike_portal_solana_fee_payer_low',
    help: 'x402 Solana fee payer balance under proofs.x402.solana.lowBalanceLamports (1) or not (0)',
    labelNames: ['network', 'address'],
    registers: [registry],
    async collect() {
      this.reset();
      const status = await read();
      for (const n of status.networks)
        if (n.low !== undefined) this.set({ network: n.network, address: status.address }, n.low ? 1 : 0);
    },
  });
}
