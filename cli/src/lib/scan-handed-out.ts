import type { Database } from '@turnpike/payment-portal/storage';
import { ADDRESS_BRANCH, createXpubDeriver, walletIdOf } from '@turnpike/payment-portal';

const NON_HARDENED = 0x8000_0000;

export interface HandedOut {
  address: string;
  path: number[];
}

/**
 * Every address the portal may have handed out, recorded or not: indexes below each branch's
 * `address_index_cursors.next_index` (the cursor only moves forward, docs/sweeping.md), for the
 * pay-page pool (`0/i`) and API challenges (`1/hi/lo`), plus the x402 address (`2/0`). Catches a
 * challenge paid but never presented, and a pool address whose invoice retention deleted. At most
 * `limit` per branch, the newest first; `capped` names the branches that had more.
 */
export async function scanHandedOut(
  db: Database,
  xpub: string,
  limit: number,
): Promise<{ addresses: HandedOut[]; capped: string[] }> {
  const deriver = createXpubDeriver(xpub);
  const cursors = await db.query<{ branch: number; next_index: string }>(
    'SELECT branch, next_index FROM address_index_cursors WHERE wallet_id = $1',
    [walletIdOf(xpub)],
  );
  const addresses: HandedOut[] = [
    { address: deriver.address([ADDRESS_BRANCH.x402, 0]), path: [ADDRESS_BRANCH.x402, 0] },
  ];
  const capped: string[] = [];
  for (const { branch, next_index } of cursors.rows) {
    if (branch !== ADDRESS_BRANCH.pool && branch !== ADDRESS_BRANCH.challenge) continue;
    const next = Number(next_index);
    const from = Math.max(0, next - limit);
    if (from > 0) capped.push(`branch ${branch}: indexes 0..${from - 1} not scanned (raise --scan-limit)`);
    for (let i = next - 1; i >= from; i--) {
      const path =
        branch === ADDRESS_BRANCH.pool
          ? [branch, i]
          : [branch, Math.floor(i / NON_HARDENED), i % NON_HARDENED];
      addresses.push({ address: deriver.address(path), path });
    }
  }
  return { addresses, capped };
}
