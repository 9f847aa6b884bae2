import {
  MAX_ATOMIC,
  ProtocolError,
  formatAmountWithSymbol,
  formatAtomic,
  parseAmount,
  toAtomic,
} from '@turnpike/protocol';

// A small deterministic generator (xorshift) so failures reproduce; no external property library.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
function randomAtomic(next: () => number, maxDigits: number): bigint {
  const digits = 1 + Math.floor(next() * maxDigits);
  let s = String(1 + Math.floor(next() * 9));
  for (let i = 1; i < digits; i++) s += String(Math.floor(next() * 10));
  return BigInt(s);
}
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return 'ok';
};

describe('toAtomic / formatAtomic round trips', () => {
  it('formatAtomic then toAtomic is the identity for 0–36 decimals and values up to uint256', () => {
    const next = rng(402);
    for (let i = 0; i < 5000; i++) {
      const decimals = Math.floor(next() * 37);
      const atomic = randomAtomic(next, 77) % MAX_ATOMIC || 1n;
      const text = formatAtomic(atomic, decimals);
      expect(toAtomic(text, decimals)).toBe(atomic);
      // canonical: no trailing zeros in the fraction, no leading zeros in the integer part
      expect(text).toMatch(/^(0|[1-9]\d*)(\.\d*[1-9])?$/);
    }
  });

  it('toAtomic then formatAtomic gives the canonical text of any decimal string', () => {
    const next = rng(7);
    for (let i = 0; i < 3000; i++) {
      const decimals = Math.floor(next() * 37);
      const intPart = String(randomAtomic(next, 30));
      const fracDigits = Math.floor(next() * (decimals + 1));
      let frac = '';
      for (let j = 0; j < fracDigits; j++) frac += String(Math.floor(next() * 10));
      const text = frac === '' ? intPart : `${intPart}.${frac}${'0'.repeat(Math.floor(next() * 3))}`;
      const atomic = toAtomic(text, decimals);
      expect(atomic).toBe(BigInt(intPart + frac.padEnd(decimals, '0')));
      expect(formatAtomic(atomic, decimals)).toBe(text.includes('.') ? text.replace(/\.?0+$/, '') : text);
    }
  });

  it('JS numbers go through their shortest decimal form, exactly', () => {
    const next = rng(99);
    for (let i = 0; i < 2000; i++) {
      const n = Math.round(next() * 1e6) / 1e4; // at most 4 decimals
      if (n === 0) continue;
      expect(toAtomic(n, 18)).toBe(toAtomic(String(n), 18));
    }
    expect(toAtomic(0.1, 18)).toBe(100000000000000000n);
    expect(toAtomic(0.3, 1)).toBe(3n); // 0.1 + 0.2 would not be; 0.3 is "0.3"
    expect(toAtomic(1e-7, 7)).toBe(1n);
    expect(toAtomic(1.5e-10, 12)).toBe(150n);
    expect(code(() => toAtomic(1e20, 0))).toBe('amount_not_a_number'); // not a safe integer: send a string
  });

  it('handles 36 decimals and the uint256 bound', () => {
    expect(toAtomic('0.000000000000000000000000000000000001', 36)).toBe(1n);
    expect(toAtomic(formatAtomic(MAX_ATOMIC, 36), 36)).toBe(MAX_ATOMIC);
    expect(code(() => toAtomic(formatAtomic(MAX_ATOMIC, 0) + '1', 0))).toBe('amount_too_large');
    expect(code(() => toAtomic('0.0000000000000000000000000000000000001', 36))).toBe('amount_too_precise');
  });

  it('refuses bad decimals arguments as programming errors', () => {
    expect(() => toAtomic('1', 37)).toThrow(RangeError);
    expect(() => toAtomic('1', -1)).toThrow(RangeError);
    expect(() => toAtomic('1', 1.5)).toThrow(RangeError);
  });

  it('refuses non-numbers with amount_not_a_number', () => {
    for (const bad of [
      '',
      '1e5',
      'NaN',
      'Infinity',
      '١',
      '1.2.3',
      '0b1',
      '1 ',
      '--1',
      '-',
      '.',
      '9'.repeat(129),
    ]) {
      expect([bad, code(() => toAtomic(bad, 6))]).toEqual([bad, 'amount_not_a_number']);
    }
    expect(code(() => toAtomic(Number.NaN, 6))).toBe('amount_not_a_number');
    expect(code(() => toAtomic(Number.POSITIVE_INFINITY, 6))).toBe('amount_not_a_number');
    expect(code(() => toAtomic(2 ** 60, 0))).toBe('amount_not_a_number');
    expect(code(() => toAtomic(null as unknown as string, 6))).toBe('amount_not_a_number');
  });
});

describe('formatting', () => {
  it('trims trailing zeros and pads on request', () => {
    expect(formatAtomic(1500000n, 6)).toBe('1.5');
    expect(formatAtomic(1000000n, 6)).toBe('1');
    expect(formatAtomic(1n, 18)).toBe('0.000000000000000001');
    expect(formatAtomic(0n, 6)).toBe('0');
    expect(formatAtomic(7n, 0)).toBe('7');
    expect(formatAtomic(1500000n, 6, { minFractionDigits: 2 })).toBe('1.50');
    expect(formatAtomic(1000000n, 6, { minFractionDigits: 2 })).toBe('1.00');
    expect(formatAtomic(5n, 0, { minFractionDigits: 2 })).toBe('5');
    expect(formatAtomic(-1500000n, 6)).toBe('-1.5');
  });

  it('adds the symbol', () => {
    expect(formatAmountWithSymbol(1500000n, { symbol: 'USDC', decimals: 6 })).toBe('1.5 USDC');
    expect(formatAmountWithSymbol(10n ** 19n, { symbol: 'POL', decimals: 18 })).toBe('10 POL');
    expect(
      formatAmountWithSymbol(10n ** 19n, { symbol: 'POL', decimals: 18 }, { minFractionDigits: 2 }),
    ).toBe('10.00 POL');
  });

  it('parseAmount returns canonical text with the atomic value', () => {
    expect(parseAmount('01.2300', 6)).toEqual({ amount: '1.23', atomic: 1230000n });
  });
});
