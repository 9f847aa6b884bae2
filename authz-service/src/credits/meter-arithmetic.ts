/**
 * The credit meter's arithmetic, kept pure for its unit tests: amounts are bigint credits, times
 * are milliseconds of the authorizer's clock.
 */

/** A block of credit leased from the portal, spent here without I/O until `spendUntil`. */
export interface HeldLease {
  id: string;
  /** Credits the portal granted in this block. */
  amount: bigint;
  /** Credits of the block not spent yet. */
  left: bigint;
  /** The last moment this block may be spent (before the portal's expiry of the lease). */
  spendUntil: number;
}

/**
 * Spends `cost` from the first live block holding at least that much; false when none does (a
 * request is never paid from two blocks: each block is returned or lost whole, independently).
 */
export function spendFromLeases(leases: HeldLease[], cost: bigint, now: number): boolean {
  for (const lease of leases) {
    if (lease.spendUntil > now && lease.left >= cost) {
      lease.left -= cost;
      return true;
    }
  }
  return false;
}

/** Unspent credit of the live blocks. */
export function heldCredit(leases: readonly HeldLease[], now: number): bigint {
  let sum = 0n;
  for (const lease of leases) if (lease.spendUntil > now) sum += lease.left;
  return sum;
}

/** Credit of the blocks held here as the portal counts it (their granted amounts, spent or not). */
export function leasedAmount(leases: readonly HeldLease[]): bigint {
  let sum = 0n;
  for (const lease of leases) sum += lease.amount;
  return sum;
}

/**
 * How much to ask for: enough for every request waiting on this token, and at least a block of
 * `blockRequests` requests (fewer round trips under load; a crash may lose up to one block).
 */
export function leaseWant(cost: bigint, blockRequests: number, waiting: number): bigint {
  const requests = BigInt(Math.max(blockRequests, waiting, 1));
  return cost * requests;
}

/**
 * Until when a block leased for `ttlMs`, asked at `askedAt`, may be spent: the portal's lease
 * starts no earlier than the ask, so the block stops being spent here before the portal could
 * consider it expired, with a margin for the return to arrive while the portal still accepts it.
 */
export function spendDeadline(askedAt: number, ttlMs: number): number {
  const margin = Math.min(5_000, Math.floor(ttlMs / 4));
  return askedAt + ttlMs - margin;
}
