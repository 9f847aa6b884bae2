import type { Queryable } from '../types.js';

/** The pay-page pool is branch 0 of `address_index_cursors` (<xpub>/0/i). */
export const POOL_BRANCH = 0;

/** The largest non-hardened BIP-32 child index, +1: the pool cannot derive at or above it. */
const NON_HARDENED_LIMIT = 2 ** 31;

/**
 * Reserves `count` derivation indexes of a wallet's pool and returns the first. The range comes
 * from `address_index_cursors` (branch 0), moved by one INSERT … ON CONFLICT DO UPDATE: concurrent
 * callers (several replicas refilling) get disjoint ranges, and the cursor never moves back. It
 * starts above every stored row, so indexes derived before the cursor existed are skipped too.
 * Never MAX(derivation_index) + 1 alone: once retention deletes the rows at the top, that would
 * hand the same addresses out again.
 */
export async function reserveReceiveAddressIndexes(
  db: Queryable,
  walletId: string,
  count: number,
): Promise<number> {
  const result = await db.query<{ first: string }>(
    `INSERT INTO address_index_cursors AS c (wallet_id, branch, next_index)
     VALUES ($1, $2, (SELECT COALESCE(MAX(derivation_index) + 1, 0) FROM receive_addresses WHERE wallet_id = $1) + $3)
     ON CONFLICT (wallet_id, branch) DO UPDATE
       SET next_index = GREATEST(c.next_index + $3, EXCLUDED.next_index), updated_at = now()
     RETURNING next_index - $3 AS first`,
    [walletId, POOL_BRANCH, count],
  );
  const first = Number(result.rows[0]?.first);
  if (!Number.isSafeInteger(first) || first + count > NON_HARDENED_LIMIT)
    throw new RangeError(`receive address pool of ${walletId}: no derivation index left below 2^31`);
  return first;
}
