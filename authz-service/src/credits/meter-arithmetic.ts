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

/**
 * Takes up to `amount` from the live blocks, across blocks (a usage report's extra: unlike a
 * request's cost it may be spread, each block still returned or lost on its own); what it took.
 */
export function takeFromLeases(leases: HeldLease[], amount: bigint, now: number): bigint {
  let taken = 0n;
  for (const lease of leases) {
    if (taken === amount) break;
    if (lease.spendUntil <= now || lease.left === 0n) continue;
    const part = lease.left < amount - taken ? lease.left : amount - taken;
    lease.left -= part;
    taken += part;
  }
  return taken;
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

/** A block grows to at most this many times `blockRequests` for a busy token. */
export const MAX_BLOCK_GROWTH = 64;
/** Leases closer together than this double the block (the token is busy here)… */
export const BLOCK_GROW_WITHIN_MS = 250;
/** …and leases further apart than this bring it back to `blockRequests`. */
export const BLOCK_RESET_AFTER_MS = 2_000;

/**
 * The block size (in requests) for the next lease of a token: doubled while leases follow each
 * other quickly (a busy token then leases once per ~250 ms, whatever its rate), back to the base
 * once it slows down. The block is also the most a crash can lose of this token's credit here.
 */
export function nextBlock(current: number, base: number, sinceLastLeaseMs: number): number {
  if (sinceLastLeaseMs < BLOCK_GROW_WITHIN_MS) return Math.min(current * 2, base * MAX_BLOCK_GROWTH);
  if (sinceLastLeaseMs > BLOCK_RESET_AFTER_MS) return base;
  return current;
}

/**
 * Whether to lease the next block now, in the background, while requests still spend this one:
 * below half a block of credit left, so a busy token's allow path never waits for the portal.
 */
export function shouldPrefetch(held: bigint, cost: bigint, block: number): boolean {
  return held < cost * BigInt(Math.ceil(block / 2));
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
