import type { AuthzReason } from '../reasons.js';
import { PortalError, PORTAL_RETRY_AFTER_SECONDS, type PortalClient } from '../portal/client.js';
import {
  heldCredit,
  leasedAmount,
  leaseWant,
  nextBlock,
  shouldPrefetch,
  spendDeadline,
  spendFromLeases,
  takeFromLeases,
  type HeldLease,
} from './meter-arithmetic.js';
import { REASONS } from '@turnpike/protocol';

/** What the meter says about one request of a metered resource. */
export type MeterVerdict =
  | { kind: 'spent' }
  | { kind: 'refused'; reason: AuthzReason }
  | { kind: 'unavailable'; reason: AuthzReason }
  | { kind: 'rate_limited'; reason: AuthzReason; retryAfterSeconds: number };

export interface CreditMeter {
  /** The verdict without I/O (a block held here pays, or a remembered refusal), else undefined. */
  debitCached(tokenId: string, cost: bigint): MeterVerdict | undefined;
  /** Debits `cost` from the token's balance, leasing a block from the portal when none is held. */
  debit(tokenId: string, cost: bigint): Promise<MeterVerdict>;
  /**
   * Takes up to `amount` more from the token's balance (a usage report's extra, docs/credits.md):
   * from blocks held here, then blocks leased for what is missing, never more than the balance
   * holds. `short` is what could not be taken because the balance is spent (it is then remembered
   * as spent here), `unbilled` what could not be taken because the portal could not be reached
   * before `retryForMs`.
   */
  take(tokenId: string, amount: bigint, retryForMs: number): Promise<TakeResult>;
  /** Unspent credit held here for a token (tests, metrics). */
  held(tokenId: string): bigint;
  /** Gives every unspent block back (shutdown). */
  close(): Promise<void>;
}

/** What {@link CreditMeter.take} took, and why the rest was not. */
export interface TakeResult {
  taken: bigint;
  /** Not taken: the balance is spent. */
  short: bigint;
  /** Not taken: the portal was unreachable (or refused with a 429) until the retry time ran out. */
  unbilled: bigint;
}

export interface CreditMeterOptions {
  portal: Pick<PortalClient, 'leaseCredits' | 'returnCredits'>;
  blockRequests: number;
  leaseTtlSeconds: number;
  idleReturnMs: number;
  exhaustedMemoMs: number;
  /**
   * How long a request whose balance is spent waits for credit other replicas hold in live blocks
   * to come back (they return it when idle) before its 402; 0 answers at once.
   */
  returnWaitMs: number;
  now?: () => number;
  /** Told when a return failed (the credit stays with the lease until it expires: lost to the payer). */
  onReturnFailed?: (err: unknown) => void;
}

interface TokenState {
  leases: HeldLease[];
  lastUsed: number;
  leasing: Promise<MeterVerdict | undefined> | undefined;
  waiting: number;
  /** Requests' worth of the next block (grows while the token is busy, see nextBlock). */
  block: number;
  lastLeaseAt: number;
  /**
   * The balance had less than a block left at the last lease: the end of the balance, where a
   * block held here could be what another replica's request is waiting for. Then leases cover
   * only the requests waiting (no prefetch) and unspent credit goes back after END_IDLE_MS.
   */
  ending: boolean;
  /** A refusal (spent, unknown) or a failure (portal down) remembered until `until`. */
  memo: { verdict: MeterVerdict; until: number } | undefined;
}

const SPENT: MeterVerdict = Object.freeze({ kind: 'spent' });
/** A failed lease is remembered this long, so a burst during an outage does not queue on the portal. */
const FAILURE_MEMO_MS = 500;
/** Near the end of a balance, a token idle this long here gives its credit back (see `ending`). */
const END_IDLE_MS = 100;
/** How often held blocks are looked at for returning. */
const SWEEP_INTERVAL_MS = END_IDLE_MS / 2;
/** How often a spent balance is asked again while other replicas hold blocks of it. */
const RETURN_POLL_MS = 50;
/** Rounds of leasing one request may wait through before it gives up (unavailable). */
const MAX_ROUNDS = 64;
/** Pause between two lease attempts of a usage report's extra while the portal cannot be reached. */
const TAKE_RETRY_PAUSE_MS = 200;

/**
 * The credit meter (docs/credits.md). Each allowed request of a metered resource spends its cost
 * from a block of the token's balance leased from the portal; while a block lasts, the allow path
 * does no I/O. Concurrent requests of one token share one lease call; a lease asks for enough for
 * every request waiting (at least `blockRequests`' worth) and the portal grants what the balance
 * holds. Unspent blocks go back when the token is idle, before their lease ends, and on shutdown.
 *
 * Fail closed: without a block and without the portal, the answer is `unavailable`, never an
 * allow; a balance can only be spent through blocks the portal granted, so no outage, crash or
 * number of replicas lets a token spend more than it holds.
 */
export function createCreditMeter(opts: CreditMeterOptions): CreditMeter {
  const now = opts.now ?? Date.now;
  const ttlMs = opts.leaseTtlSeconds * 1000;
  const tokens = new Map<string, TokenState>();

  const giveBack = (lease: HeldLease): Promise<void> =>
    opts.portal.returnCredits({ leaseId: lease.id, unused: lease.left.toString() }).then(
      () => undefined,
      (err: unknown) => opts.onReturnFailed?.(err),
    );

  const cached = (s: TokenState, tokenId: string, cost: bigint, t: number): MeterVerdict | undefined => {
    if (spendFromLeases(s.leases, cost, t)) {
      s.lastUsed = t;
      // The next block is asked for while this one still pays: the allow path does not wait.
      if (
        s.leasing === undefined &&
        !s.ending &&
        (s.memo === undefined || s.memo.until <= t) &&
        shouldPrefetch(heldCredit(s.leases, t), cost, s.block)
      )
        void startLease(s, tokenId, cost, true);
      return SPENT;
    }
    if (s.leasing === undefined && s.memo !== undefined && t < s.memo.until) return s.memo.verdict;
    return undefined;
  };

  const lease = async (
    s: TokenState,
    tokenId: string,
    cost: bigint,
    background: boolean,
  ): Promise<MeterVerdict | undefined> => {
    const firstAsked = now();
    try {
      let askedAt = firstAsked;
      let answer = await opts.portal.leaseCredits({
        tokenId,
        want: leaseWant(cost, s.ending ? 1 : s.block, s.waiting + 1).toString(),
        min: cost.toString(),
        ttlMs,
      });
      // Spent here, but another replica holds blocks it may give back (it returns them when idle):
      // wait for them a little rather than answer 402 while the token still has credit.
      while (
        !answer.ok &&
        answer.reason === 'credits_exhausted' &&
        BigInt(answer.leasedOut) - leasedAmount(s.leases) >= cost &&
        now() - firstAsked < opts.returnWaitMs
      ) {
        await new Promise((r) => setTimeout(r, RETURN_POLL_MS));
        askedAt = now();
        answer = await opts.portal.leaseCredits({
          tokenId,
          want: leaseWant(cost, 1, s.waiting + 1).toString(),
          min: cost.toString(),
          ttlMs,
        });
      }
      if (!answer.ok) {
        const reason =
          answer.reason === 'credits_exhausted' ? REASONS.CREDITS_EXHAUSTED : REASONS.CREDIT_BALANCE_UNKNOWN;
        const verdict: MeterVerdict = { kind: 'refused', reason };
        s.ending = true;
        // Remembered only when final: not for a prefetch (this replica still holds credit, and what
        // others hold may come back meanwhile), nor while other replicas hold blocks.
        const othersHold = BigInt(answer.leasedOut) - leasedAmount(s.leases) >= cost;
        if (!background && !othersHold) s.memo = { verdict, until: now() + opts.exhaustedMemoMs };
        return verdict;
      }
      s.memo = undefined;
      s.ending = BigInt(answer.remaining) < cost * BigInt(s.block);
      const granted = BigInt(answer.granted);
      s.leases.push({
        id: answer.leaseId,
        amount: granted,
        left: granted,
        spendUntil: spendDeadline(askedAt, ttlMs),
      });
      return undefined;
    } catch (err) {
      const verdict: MeterVerdict =
        err instanceof PortalError && err.status === 429
          ? {
              kind: 'rate_limited',
              reason: REASONS.RATE_LIMITED,
              retryAfterSeconds: err.retryAfterSeconds ?? PORTAL_RETRY_AFTER_SECONDS,
            }
          : { kind: 'unavailable', reason: REASONS.CREDITS_UNAVAILABLE };
      s.memo = { verdict, until: now() + FAILURE_MEMO_MS };
      return verdict;
    }
  };

  /** One lease in flight per token: requests that find no credit wait for it. */
  const startLease = (
    s: TokenState,
    tokenId: string,
    cost: bigint,
    background = false,
  ): Promise<MeterVerdict | undefined> => {
    const t = now();
    s.block = nextBlock(s.block, opts.blockRequests, t - s.lastLeaseAt);
    s.lastLeaseAt = t;
    const pending = lease(s, tokenId, cost, background).finally(() => {
      s.leasing = undefined;
    });
    s.leasing = pending;
    return pending;
  };

  const stateOf = (tokenId: string): TokenState => {
    let s = tokens.get(tokenId);
    if (s === undefined) {
      s = {
        leases: [],
        lastUsed: now(),
        leasing: undefined,
        waiting: 0,
        block: opts.blockRequests,
        lastLeaseAt: Number.NEGATIVE_INFINITY,
        ending: false,
        memo: undefined,
      };
      tokens.set(tokenId, s);
    }
    return s;
  };

  /** Returns idle and ending blocks, and forgets tokens with nothing held. */
  const sweep = (force: boolean): Promise<void>[] => {
    const t = now();
    const returns: Promise<void>[] = [];
    for (const [tokenId, s] of tokens) {
      // While a lease is in flight only spent blocks go (their rows would make other replicas
      // wait for credit that is not there); unspent ones stay for the requests waiting.
      const leasing = s.leasing !== undefined;
      const idle = !leasing && t - s.lastUsed >= (s.ending ? END_IDLE_MS : opts.idleReturnMs);
      const keep: HeldLease[] = [];
      for (const lease of s.leases) {
        // A block past its deadline is returned too: the portal still accepts it for the margin.
        if (lease.left === 0n || (!leasing && (force || idle || lease.spendUntil <= t)))
          returns.push(giveBack(lease));
        else keep.push(lease);
      }
      s.leases = keep;
      if (!leasing && keep.length === 0 && (s.memo === undefined || s.memo.until <= t) && s.waiting === 0)
        tokens.delete(tokenId);
    }
    return returns;
  };
  const timer = setInterval(() => void sweep(false), SWEEP_INTERVAL_MS);
  timer.unref();

  return {
    debitCached(tokenId, cost) {
      const s = tokens.get(tokenId);
      return s === undefined ? undefined : cached(s, tokenId, cost, now());
    },
    async debit(tokenId, cost) {
      const s = stateOf(tokenId);
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const fast = cached(s, tokenId, cost, now());
        if (fast !== undefined) return fast;
        if (s.leasing !== undefined) {
          s.waiting++;
          try {
            await s.leasing;
          } finally {
            s.waiting--;
          }
          continue;
        }
        const failed = await startLease(s, tokenId, cost);
        if (failed !== undefined) return failed;
      }
      return { kind: 'unavailable', reason: REASONS.CREDITS_UNAVAILABLE };
    },
    async take(tokenId, amount, retryForMs) {
      const s = stateOf(tokenId);
      const started = now();
      let taken = 0n;
      // Counted as waiting, so the sweep keeps this token's state (and the blocks leased here).
      s.waiting++;
      try {
        for (let round = 0; round < MAX_ROUNDS && taken < amount; round++) {
          taken += takeFromLeases(s.leases, amount - taken, now());
          if (taken === amount) break;
          // A lease already in flight (a prefetch) may bring what is missing: wait for it first, so
          // the portal's answer below is never read against blocks that are about to land.
          if (s.leasing !== undefined) {
            await s.leasing;
            continue;
          }
          let answer;
          const askedAt = now();
          try {
            answer = await opts.portal.leaseCredits({
              tokenId,
              want: (amount - taken).toString(),
              min: '1',
              ttlMs,
            });
          } catch {
            if (now() - started + TAKE_RETRY_PAUSE_MS > retryForMs) break;
            await new Promise((r) => setTimeout(r, TAKE_RETRY_PAUSE_MS));
            continue;
          }
          if (answer.ok) {
            const granted = BigInt(answer.granted);
            s.leases.push({
              id: answer.leaseId,
              amount: granted,
              left: granted,
              spendUntil: spendDeadline(askedAt, ttlMs),
            });
            continue;
          }
          // Credit that landed here meanwhile (a prefetch started while this lease was asked) first.
          if (heldCredit(s.leases, now()) > 0n || s.leasing !== undefined) continue;
          // Spent here; blocks other replicas hold come back when they go idle: wait for them.
          const othersHold = BigInt(answer.leasedOut) - leasedAmount(s.leases) > 0n;
          if (answer.reason === 'credits_exhausted' && othersHold && now() - started < opts.returnWaitMs) {
            await new Promise((r) => setTimeout(r, RETURN_POLL_MS));
            continue;
          }
          // The balance is spent (or gone): the next request of this token here gets the 402 at once.
          s.ending = true;
          const reason =
            answer.reason === 'credits_exhausted'
              ? REASONS.CREDITS_EXHAUSTED
              : REASONS.CREDIT_BALANCE_UNKNOWN;
          s.memo = { verdict: { kind: 'refused', reason }, until: now() + opts.exhaustedMemoMs };
          return { taken, short: amount - taken, unbilled: 0n };
        }
      } finally {
        s.waiting--;
      }
      return { taken, short: 0n, unbilled: amount - taken };
    },
    held(tokenId) {
      const s = tokens.get(tokenId);
      return s === undefined ? 0n : heldCredit(s.leases, now());
    },
    async close() {
      clearInterval(timer);
      // A lease still in flight (a prefetch) lands first, so its block goes back too.
      await Promise.all([...tokens.values()].map((s) => s.leasing));
      await Promise.all(sweep(true));
    },
  };
}
