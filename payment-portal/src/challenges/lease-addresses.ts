import { checksumEvmAddress, type AddressLeaseResponse } from '@turnpike/protocol';
import { ADDRESS_BRANCH, type XpubDeriver } from '../addresses/xpub-deriver.js';
import type { Queryable } from '../storage/index.js';

/** Addresses derived between two yields to the event loop (~200 µs each). */
const DERIVE_CHUNK = 32;

/**
 * Leases `count` never-used challenge indexes and their addresses: one UPDATE advances the wallet's
 * challenge cursor (`address_index_cursors`, branch 1) — the only write, one per block of API 402s
 * however many an authorizer answers — then the addresses are derived in chunks between yields, so
 * a lease never blocks the portal's other requests for long. They go out in EIP-55 form.
 */
export async function leaseChallengeAddresses(
  db: Queryable,
  deriver: XpubDeriver,
  count: number,
): Promise<AddressLeaseResponse> {
  const reserved = await db.query<{ first: string }>(
    `INSERT INTO address_index_cursors (wallet_id, branch, next_index) VALUES ($1, $2, $3)
     ON CONFLICT (wallet_id, branch)
       DO UPDATE SET next_index = address_index_cursors.next_index + $3, updated_at = now()
     RETURNING next_index - $3 AS first`,
    [deriver.walletId, ADDRESS_BRANCH.challenge, count],
  );
  const first = Number(reserved.rows[0]?.first);
  if (!Number.isSafeInteger(first) || first < 0)
    throw new Error('the challenge index cursor is out of range');
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const address = deriver.challengeAddress(first + i);
    addresses.push(checksumEvmAddress(address) ?? address);
    if (i % DERIVE_CHUNK === DERIVE_CHUNK - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  return { walletId: deriver.walletId, first, addresses };
}
