import { ProtocolError } from '../errors.js';
import { REASONS } from '../reasons.js';

/** Largest value an on-chain amount can take (uint256); anything above cannot be paid. */
export const MAX_ATOMIC = (1n << 256n) - 1n;
export const MAX_DECIMALS = 36;
/** Decimal strings longer than this are refused before any arithmetic. */
const MAX_AMOUNT_CHARS = 128;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
// JS renders some numbers in exponent form (1e-7, 1e+21); those are expanded exactly.
const NUMBER_EXPONENT = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/;

/**
 * Converts an amount in whole units ("1.5" USDC) to exact atomic units (1500000n for 6 decimals).
 *
 * Strings must be plain decimals: digits, optionally a dot followed by digits ("1", "1.50",
 * "0.5"). Refused with `amount_not_a_number`: ".5", "5.", "+1", " 1", "1e3", "0x10", "1_000".
 * A leading "-" is recognised only to report `amount_not_positive`. Trailing zeros beyond the
 * asset's decimals are fine ("1.500000000" with 6 decimals); other extra digits are
 * `amount_too_precise`. Numbers are accepted when finite and, if integral, safe integers; they
 * are read through their shortest decimal form (`String(n)`, so 0.1 is "0.1"), exponent forms
 * included (1e-7 is exactly 0.0000001).
 */
export function toAtomic(amount: string | number, decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new RangeError(`decimals must be an integer in 0..${MAX_DECIMALS}, got ${decimals}`);
  }
  const { intPart, fracPart } = typeof amount === 'number' ? splitNumber(amount) : splitString(amount);
  const frac = fracPart.replace(/0+$/, '');
  if (frac.length > decimals) {
    throw new ProtocolError(REASONS.AMOUNT_TOO_PRECISE, `more than ${decimals} decimal places`);
  }
  const atomic = BigInt(intPart + frac.padEnd(decimals, '0'));
  if (atomic === 0n) throw new ProtocolError(REASONS.AMOUNT_NOT_POSITIVE, 'amount is zero');
  if (atomic > MAX_ATOMIC) throw new ProtocolError(REASONS.AMOUNT_TOO_LARGE, 'amount exceeds uint256');
  return atomic;
}

interface Parts {
  intPart: string;
  fracPart: string;
}

function splitString(s: string): Parts {
  if (typeof s !== 'string') throw new ProtocolError(REASONS.AMOUNT_NOT_A_NUMBER, 'not a string or number');
  if (s.length > MAX_AMOUNT_CHARS) throw new ProtocolError(REASONS.AMOUNT_NOT_A_NUMBER, 'too long');
  const negative = s.startsWith('-');
  const m = DECIMAL.exec(negative ? s.slice(1) : s);
  if (!m) throw new ProtocolError(REASONS.AMOUNT_NOT_A_NUMBER, 'not a plain decimal');
  if (negative) throw new ProtocolError(REASONS.AMOUNT_NOT_POSITIVE, 'negative amount');
  return { intPart: m[1] ?? '0', fracPart: m[2] ?? '' };
}

function splitNumber(n: number): Parts {
  if (!Number.isFinite(n)) throw new ProtocolError(REASONS.AMOUNT_NOT_A_NUMBER, 'not finite');
  if (n < 0) throw new ProtocolError(REASONS.AMOUNT_NOT_POSITIVE, 'negative amount');
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
    throw new ProtocolError(REASONS.AMOUNT_NOT_A_NUMBER, 'integer beyond 2^53: send it as a string');
  }
  const text = String(n);
  const e = NUMBER_EXPONENT.exec(text);
  if (!e) return splitString(text);
  const digits = (e[1] ?? '') + (e[2] ?? '');
  // position of the decimal point within `digits` after applying the exponent
  const point = (e[1] ?? '').length + Number(e[3]);
  if (point <= 0) return { intPart: '0', fracPart: '0'.repeat(-point) + digits };
  if (point >= digits.length) return { intPart: digits + '0'.repeat(point - digits.length), fracPart: '' };
  return { intPart: digits.slice(0, point), fracPart: digits.slice(point) };
}
