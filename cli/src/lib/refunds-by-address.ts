import { listRefunds } from '@turnpike/payment-portal';
import type { Database } from '@turnpike/payment-portal/storage';
import type { NetworkRegistry } from '@turnpike/protocol';
import type { OwedRefund } from './plan-address.js';
import type { ReceiveAddress } from './find-receive-addresses.js';

/** At most this many refunds are planned in one sweep. */
export const MAX_PLANNED_REFUNDS = 10_000;

/**
 * The refunds owed (the portal's listRefunds, as `turnpike refunds list` shows them) keyed by
 * `<network>:<address>` of the receive address holding the money, for the addresses this wallet's
 * xpub derives (`found`). Refunds that cannot be planned here (no payer recorded, another wallet's
 * or a Solana address) come back as notes.
 */
export async function refundsByAddress(
  db: Database,
  registry: NetworkRegistry,
  found: readonly ReceiveAddress[],
  lateGraceMs: ReadonlyMap<string, number>,
): Promise<{ byAddress: Map<string, OwedRefund[]>; notes: string[] }> {
  const refunds = await listRefunds(db, registry, { limit: MAX_PLANNED_REFUNDS, lateGraceMs });
  const ours = new Set(found.map((a) => `${a.network}:${a.address.toLowerCase()}`));
  const byAddress = new Map<string, OwedRefund[]>();
  const notes: string[] = [];
  for (const r of refunds) {
    const key = `${r.network}:${r.from.address.toLowerCase()}`;
    const what = `refund of ${r.amount ?? `${r.amountAtomic} (atomic)`} ${r.symbol ?? r.asset} for invoice ${r.invoiceId}`;
    if (registry.get(r.network)?.kind !== 'evm' || !ours.has(key)) {
      notes.push(`${what}: ${r.from.address} on ${r.network} is not an address of this xpub; not planned`);
      continue;
    }
    if (r.to === null) {
      notes.push(`${what}: no payer address recorded; not planned`);
      continue;
    }
    if (r.payers.length > 1)
      notes.push(
        `${what}: paid by ${r.payers.length} addresses, planned to the newest payer ${r.to}; check before signing`,
      );
    const list = byAddress.get(key) ?? [];
    list.push({
      kind: r.kind,
      invoiceId: r.invoiceId,
      asset: r.asset.toLowerCase(),
      amountAtomic: BigInt(r.amountAtomic),
      to: r.to,
    });
    byAddress.set(key, list);
  }
  return { byAddress, notes };
}
