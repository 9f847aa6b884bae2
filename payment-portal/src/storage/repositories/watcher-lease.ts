import type { Queryable } from '../types.js';

/**
 * Takes or renews the scan lease of a network for `owner` for `ttlMs`: succeeds when the lease is
 * free, expired, or already `owner`'s. The cursor row must exist (advanceCursor with
 * expectedBlock null creates it). Returns whether `owner` now holds the lease.
 */
export async function acquireWatcherLease(
  db: Queryable,
  network: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE watcher_cursors
     SET lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3::double precision / 1000)
     WHERE network = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires_at < now())`,
    [network, owner, ttlMs],
  );
  return result.rowCount === 1;
}

/** Gives the lease up (on shutdown) so another replica can take over without waiting for expiry. */
export async function releaseWatcherLease(db: Queryable, network: string, owner: string): Promise<void> {
  await db.query(
    'UPDATE watcher_cursors SET lease_owner = NULL, lease_expires_at = NULL WHERE network = $1 AND lease_owner = $2',
    [network, owner],
  );
}
