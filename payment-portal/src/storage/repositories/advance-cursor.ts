import type { Queryable } from '../types.js';

export interface AdvanceCursorInput {
  network: string;
  /** The last_block the caller read; null when it found no cursor (first scan creates it). */
  expectedBlock: bigint | null;
  toBlock: bigint;
  toBlockHash?: string | null | undefined;
}

/**
 * Moves a network's cursor by compare-and-set: it changes only if `last_block` still equals
 * `expectedBlock` (or, for null, if no cursor exists yet). Returns false when another scanner got
 * there first; the caller then re-reads the cursor instead of crediting a range twice.
 */
export async function advanceCursor(db: Queryable, input: AdvanceCursorInput): Promise<boolean> {
  const hash = input.toBlockHash ?? null;
  if (input.expectedBlock === null) {
    const result = await db.query(
      `INSERT INTO watcher_cursors (network, last_block, last_block_hash) VALUES ($1, $2, $3)
       ON CONFLICT (network) DO NOTHING`,
      [input.network, input.toBlock.toString(), hash],
    );
    return result.rowCount === 1;
  }
  const result = await db.query(
    `UPDATE watcher_cursors SET last_block = $3, last_block_hash = $4, updated_at = now()
     WHERE network = $1 AND last_block = $2`,
    [input.network, input.expectedBlock.toString(), input.toBlock.toString(), hash],
  );
  return result.rowCount === 1;
}
