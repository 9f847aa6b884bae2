import type { RecordedPayment } from '../../events/portal-events.js';
import type { Queryable } from '../../storage/index.js';
import type { ObservedTransfer } from './scan-range.js';

/**
 * Addresses to watch on a network: every receive address of an invoice that has not been expired
 * for longer than the late grace (so late and extra payments are still recorded).
 */
export async function watchedAddresses(
  q: Queryable,
  network: string,
  lateGraceMs: number,
  limit: number,
): Promise<Set<string> | null> {
  const result = await q.query<{ pay_to: string }>(
    `SELECT o.pay_to FROM invoice_offers o JOIN invoices i ON i.id = o.invoice_id
     WHERE o.network = $1 AND i.expires_at > now() - make_interval(secs => $2::double precision / 1000)
     LIMIT $3`,
    [network, lateGraceMs, limit + 1],
  );
  // More than `limit`: the caller scans unfiltered and looks recipients up instead.
  if (result.rows.length > limit) return null;
  return new Set(result.rows.map((r) => r.pay_to));
}

/** Which of `candidates` are watched receive addresses (one indexed lookup). */
export async function watchedAmong(
  q: Queryable,
  network: string,
  lateGraceMs: number,
  candidates: readonly string[],
): Promise<Set<string>> {
  const result = await q.query<{ pay_to: string }>(
    `SELECT o.pay_to FROM invoice_offers o JOIN invoices i ON i.id = o.invoice_id
     WHERE o.network = $1 AND o.pay_to = ANY($3::text[]) AND i.expires_at > now() - make_interval(secs => $2::double precision / 1000)`,
    [network, lateGraceMs, candidates],
  );
  return new Set(result.rows.map((r) => r.pay_to));
}

/**
 * Records observed transfers, attributed to the invoice whose offer has that receive address.
 * The unique (network, tx, log index) key makes this idempotent across replicas and rescans; a
 * transfer that a reorg had dropped and that reappears is revived with its new block. Returns the
 * rows written now (new, or revived), with their invoice's host.
 */
export async function recordTransfers(
  q: Queryable,
  network: string,
  transfers: readonly ObservedTransfer[],
): Promise<RecordedPayment[]> {
  if (transfers.length === 0) return [];
  const written = await q.query<{
    tx_hash: string;
    log_index: number;
    invoice_id: string | null;
    asset: string;
    amount_atomic: string;
    host: string | null;
  }>(
    `WITH written AS (
     INSERT INTO payments (network, tx_hash, log_index, invoice_id, payer, pay_to, asset, amount_atomic, block_number, block_hash, status)
     SELECT $1, t.tx, t.idx, (SELECT invoice_id FROM invoice_offers o WHERE o.network = $1 AND o.pay_to = t.to_addr), t.payer, t.to_addr,
            t.asset, t.amount, t.bn, t.bh, 'seen'
     FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::bigint[], $9::text[])
          AS t(tx, idx, payer, to_addr, asset, amount, bn, bh)
     ON CONFLICT (network, tx_hash, log_index) DO UPDATE
       SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, status = 'seen'
       WHERE payments.status = 'reorged'
     RETURNING tx_hash, log_index, invoice_id, asset, amount_atomic)
     SELECT w.tx_hash, w.log_index, w.invoice_id, w.asset, w.amount_atomic::text AS amount_atomic, i.host
     FROM written w LEFT JOIN invoices i ON i.id = w.invoice_id`,
    [
      network,
      transfers.map((t) => t.txHash),
      transfers.map((t) => t.logIndex),
      transfers.map((t) => t.from),
      transfers.map((t) => t.to),
      transfers.map((t) => t.asset),
      transfers.map((t) => t.amount.toString()),
      transfers.map((t) => t.blockNumber.toString()),
      transfers.map((t) => t.blockHash),
    ],
  );
  return written.rows.map((r) => ({
    invoiceId: r.invoice_id,
    host: r.host,
    network,
    txHash: r.tx_hash,
    logIndex: Number(r.log_index),
    asset: r.asset,
    amountAtomic: BigInt(r.amount_atomic),
  }));
}

/** Remembers the hashes of scanned blocks (the reorg window). */
export async function recordBlocks(
  q: Queryable,
  network: string,
  blocks: ReadonlyArray<{ number: bigint; hash: string }>,
): Promise<void> {
  if (blocks.length === 0) return;
  await q.query(
    `INSERT INTO watcher_blocks (network, block_number, block_hash)
     SELECT $1, b.n, b.h FROM unnest($2::bigint[], $3::text[]) AS b(n, h)
     ON CONFLICT (network, block_number) DO UPDATE SET block_hash = EXCLUDED.block_hash`,
    [network, blocks.map((b) => b.number.toString()), blocks.map((b) => b.hash)],
  );
}

/** Stored block hashes from `from` downwards (newest first), at most `limit`. */
export async function storedBlocks(
  q: Queryable,
  network: string,
  from: bigint,
  limit: number,
): Promise<Array<{ number: bigint; hash: string }>> {
  const result = await q.query<{ block_number: string; block_hash: string }>(
    `SELECT block_number, block_hash FROM watcher_blocks WHERE network = $1 AND block_number <= $2
     ORDER BY block_number DESC LIMIT $3`,
    [network, from.toString(), limit],
  );
  return result.rows.map((r) => ({ number: BigInt(r.block_number), hash: r.block_hash }));
}

/** Drops the reorg window above `ancestor`: its payments become 'reorged'; returns their addresses. */
export async function rollBackAbove(q: Queryable, network: string, ancestor: bigint): Promise<string[]> {
  const dropped = await q.query<{ pay_to: string }>(
    `UPDATE payments SET status = 'reorged' WHERE network = $1 AND block_number > $2 AND status IN ('seen', 'confirmed') RETURNING pay_to`,
    [network, ancestor.toString()],
  );
  await q.query('DELETE FROM watcher_blocks WHERE network = $1 AND block_number > $2', [
    network,
    ancestor.toString(),
  ]);
  return [...new Set(dropped.rows.map((r) => r.pay_to))];
}

/** Marks payments with enough blocks on top as confirmed; returns the addresses affected. */
export async function confirmPayments(
  q: Queryable,
  network: string,
  confirmedTip: bigint,
): Promise<string[]> {
  if (confirmedTip < 0n) return [];
  const result = await q.query<{ pay_to: string }>(
    `UPDATE payments SET status = 'confirmed' WHERE network = $1 AND status = 'seen' AND block_number <= $2 RETURNING pay_to`,
    [network, confirmedTip.toString()],
  );
  return [...new Set(result.rows.map((r) => r.pay_to))];
}

/** Forgets block hashes older than the reorg window. */
export async function pruneBlocks(q: Queryable, network: string, below: bigint): Promise<void> {
  await q.query('DELETE FROM watcher_blocks WHERE network = $1 AND block_number < $2', [
    network,
    below.toString(),
  ]);
}
