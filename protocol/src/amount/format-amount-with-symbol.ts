import { formatAtomic, type FormatAtomicOptions } from './format-atomic.js';

/** "1.5 USDC" — for display (pay page, 402 bodies). */
export function formatAmountWithSymbol(
  atomic: bigint,
  asset: { readonly symbol: string; readonly decimals: number },
  opts: FormatAtomicOptions = {},
): string {
  return `${formatAtomic(atomic, asset.decimals, opts)} ${asset.symbol}`;
}
