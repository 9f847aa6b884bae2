import { formatEther } from 'ethers';
import { Gauge, type Registry } from 'prom-client';
import type { Relayer } from './relayer.js';

/**
 * `turnpike_portal_relayer_balance{network, address}`: the relayer's gas balance in whole native
 * units, read at scrape time (a failed read leaves the network out, so an alert on absence or a
 * low value catches both an unfunded and an unreachable relayer).
 */
export function registerRelayerMetrics(registry: Registry, relayer: Relayer): Gauge<'network' | 'address'> {
  return new Gauge({
    name: 'turnpike_portal_relayer_balance',
    help: 'x402 relayer gas balance in native units, per network',
    labelNames: ['network', 'address'],
    registers: [registry],
    async collect() {
      this.reset();
      const status = await relayer.status();
      for (const n of status.networks) {
        if (n.balanceWei !== undefined)
          this.set(
            { network: n.network, address: status.address },
            Number(formatEther(BigInt(n.balanceWei))),
          );
      }
    },
  });
}
