export interface FormatAtomicOptions {
  /** Pad the fraction with zeros to at least this many digits (never beyond `decimals`). */
  minFractionDigits?: number;
}

/**
 * Formats atomic units as a decimal in whole units, trailing zeros trimmed:
 * (1500000n, 6) → "1.5", (1000000n, 6) → "1", (1n, 18) → "0.000000000000000001".
 * The inverse of `toAtomic` for positive values.
 */
export function formatAtomic(atomic: bigint, decimals: number, opts: FormatAtomicOptions = {}): string {
  if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`invalid decimals ${decimals}`);
  const negative = atomic < 0n;
  const digits = (negative ? -atomic : atomic).toString().padStart(decimals + 1, '0');
  const intPart = digits.slice(0, digits.length - decimals);
  let frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  const minFrac = Math.min(Math.max(0, opts.minFractionDigits ?? 0), decimals);
  if (frac.length < minFrac) frac = frac.padEnd(minFrac, '0');
  return `${negative ? '-' : ''}${intPart}${frac ? `.${frac}` : ''}`;
}
