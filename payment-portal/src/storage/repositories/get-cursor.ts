import type { Queryable } from '../types.js';

export interface WatcherCursor {
  network: string;
  lastBlock: bigint;
  lastBlockHash: string | null;
  updatedAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
}

interface CursorRow {
  network: string;
  last_block: string;
  last_block_hash: string | null;
  updated_at: Date;
  lease_owner: string | null;
  lease_expires_at: Date | null;
}

/** @internal */
export function cursorFromRow(row: CursorRow): WatcherCursor {
  return {
    network: row.network,
    lastBlock: BigInt(row.last_block),
    lastBlockHash: row.last_block_hash,
    updatedAt: row.updated_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
  };
}

/** A network's scan position, or null before its first scan. */
export async function getCursor(db: Queryable, network: string): Promise<WatcherCursor | null> {
  const result = await db.query<CursorRow>('SELECT * FROM watcher_cursors WHERE network = $1', [network]);
  const row = result.rows[0];
  return row ? cursorFromRow(row) : null;
}
