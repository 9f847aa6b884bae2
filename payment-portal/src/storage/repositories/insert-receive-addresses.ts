import type { Queryable } from '../types.js';

export interface ReceiveAddressRow {
  derivationIndex: number;
  address: string;
}

/**
 * Adds pre-derived addresses to a wallet's pool. Rows already present (same wallet and index) are
 * left alone, so re-deriving a range is harmless. Returns how many were new.
 */
export async function insertReceiveAddresses(
  db: Queryable,
  walletId: string,
  family: 'evm' | 'solana',
  rows: readonly ReceiveAddressRow[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db.query(
    `INSERT INTO receive_addresses (wallet_id, network_family, derivation_index, address)
     SELECT $1, $2, r.idx, r.addr FROM unnest($3::int[], $4::text[]) AS r(idx, addr)
     ON CONFLICT (wallet_id, derivation_index) DO NOTHING`,
    [walletId, family, rows.map((r) => r.derivationIndex), rows.map((r) => r.address)],
  );
  return result.rowCount;
}

/**
 * A wallet's pool: the next index the pool would derive (the cursor of address_index_cursors
 * branch 0, or one past the highest stored row when that is higher) and how many are free.
 */
export async function receiveAddressPoolState(
  db: Queryable,
  walletId: string,
): Promise<{ nextIndex: number; free: number }> {
  const result = await db.query<{ next_index: string; free: string }>(
    `SELECT GREATEST(
              COALESCE((SELECT next_index FROM address_index_cursors WHERE wallet_id = $1 AND branch = 0), 0),
              COALESCE(MAX(derivation_index) + 1, 0)) AS next_index,
            COUNT(*) FILTER (WHERE allocated_at IS NULL) AS free
     FROM receive_addresses WHERE wallet_id = $1`,
    [walletId],
  );
  const row = result.rows[0];
  return { nextIndex: Number(row?.next_index ?? 0), free: Number(row?.free ?? 0) };
}
