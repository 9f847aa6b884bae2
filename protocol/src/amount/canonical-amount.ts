import { formatAtomic } from './format-atomic.js';
import { toAtomic } from './to-atomic.js';

/** Parses an amount and returns both its canonical decimal form and its atomic value. */
export function parseAmount(amount: string | number, decimals: number): { amount: string; atomic: bigint } {
  const atomic = toAtomic(amount, decimals);
  return { amount: formatAtomic(atomic, decimals), atomic };
}
