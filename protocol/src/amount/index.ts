export { toAtomic, MAX_ATOMIC, MAX_DECIMALS } from './to-atomic.js';
export { formatAtomic, type FormatAtomicOptions } from './format-atomic.js';
export { formatAmountWithSymbol } from './format-amount-with-symbol.js';
export { parseAmount } from './canonical-amount.js';
