import {
  heldCredit,
  leasedAmount,
  leaseWant,
  MAX_BLOCK_GROWTH,
  nextBlock,
  shouldPrefetch,
  spendDeadline,
  spendFromLeases,
  takeFromLeases,
  type HeldLease,
} from '../../src/credits/meter-arithmetic.js';

describe('credit meter arithmetic (bigint)', () => {
  it('spends whole costs from one live block at a time, never across two blocks', () => {
    const leases: HeldLease[] = [
      { id: 'a', amount: 2n, left: 2n, spendUntil: 1_000 },
      { id: 'b', amount: 3n, left: 3n, spendUntil: 1_000 },
    ];
    expect(spendFromLeases(leases, 3n, 0)).toBe(true);
    expect(leases.map((l) => l.left)).toEqual([2n, 0n]);
    expect(spendFromLeases(leases, 3n, 0)).toBe(false);
    expect(spendFromLeases(leases, 2n, 0)).toBe(true);
    expect(heldCredit(leases, 0)).toBe(0n);
  });

  it('a usage extra is taken across live blocks, never more than they hold, skipping expired ones', () => {
    const leases: HeldLease[] = [
      { id: 'a', amount: 2n, left: 2n, spendUntil: 1_000 },
      { id: 'old', amount: 9n, left: 9n, spendUntil: 10 },
      { id: 'b', amount: 3n, left: 3n, spendUntil: 1_000 },
    ];
    expect(takeFromLeases(leases, 4n, 100)).toBe(4n);
    expect(leases.map((l) => l.left)).toEqual([0n, 9n, 1n]);
    expect(takeFromLeases(leases, 5n, 100)).toBe(1n);
    expect(leases.map((l) => l.left)).toEqual([0n, 9n, 0n]);
    expect(takeFromLeases(leases, 0n, 100)).toBe(0n);
  });

  it('a block past its deadline is neither spent nor counted as held', () => {
    const leases: HeldLease[] = [{ id: 'a', amount: 10n, left: 10n, spendUntil: 100 }];
    expect(heldCredit(leases, 99)).toBe(10n);
    expect(spendFromLeases(leases, 1n, 100)).toBe(false);
    expect(heldCredit(leases, 100)).toBe(0n);
    expect(leases[0]!.left).toBe(10n);
  });

  it('keeps exact amounts far beyond 2^53', () => {
    const big = 2n ** 80n + 7n;
    const leases: HeldLease[] = [{ id: 'a', amount: big, left: big, spendUntil: 1 }];
    expect(spendFromLeases(leases, 2n ** 79n, 0)).toBe(true);
    expect(leases[0]!.left).toBe(2n ** 79n + 7n);
  });

  it('counts what the portal granted, spent or not, as leased out', () => {
    const leases: HeldLease[] = [
      { id: 'a', amount: 4n, left: 0n, spendUntil: 1 },
      { id: 'b', amount: 4n, left: 3n, spendUntil: 1 },
    ];
    expect(leasedAmount(leases)).toBe(8n);
    expect(heldCredit(leases, 0)).toBe(3n);
  });

  it('asks for a block, or for every waiting request when more wait', () => {
    expect(leaseWant(3n, 8, 1)).toBe(24n);
    expect(leaseWant(3n, 8, 20)).toBe(60n);
    expect(leaseWant(10n ** 18n, 8, 0)).toBe(8n * 10n ** 18n);
  });

  it('grows the block of a busy token up to its cap and resets it when the token slows down', () => {
    expect(nextBlock(8, 8, 100)).toBe(16);
    expect(nextBlock(8 * MAX_BLOCK_GROWTH, 8, 100)).toBe(8 * MAX_BLOCK_GROWTH);
    expect(nextBlock(64, 8, 1_000)).toBe(64);
    expect(nextBlock(64, 8, 5_000)).toBe(8);
    expect(nextBlock(8, 8, Number.POSITIVE_INFINITY)).toBe(8);
  });

  it('prefetches the next block below half a block of credit', () => {
    expect(shouldPrefetch(5n, 1n, 8)).toBe(false);
    expect(shouldPrefetch(3n, 1n, 8)).toBe(true);
    expect(shouldPrefetch(12n, 3n, 8)).toBe(false);
    expect(shouldPrefetch(11n, 3n, 8)).toBe(true);
  });

  it('stops spending a block before the portal could call its lease expired', () => {
    expect(spendDeadline(1_000, 30_000)).toBe(26_000);
    expect(spendDeadline(0, 8_000)).toBe(6_000);
    expect(spendDeadline(0, 8_000)).toBeLessThan(8_000);
  });
});
