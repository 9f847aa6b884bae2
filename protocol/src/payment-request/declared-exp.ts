import { MAX_TOKEN_LIFETIME_MS, MIN_TOKEN_LIFETIME_MS } from './limits.js';

/** Token lifetime when a declaration has no `exp` and the caller configured none: one hour. */
export const DEFAULT_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

/** Nanoseconds in a millisecond (Go's `time.Duration` counts nanoseconds). */
const NS_PER_MS = 1_000_000;

/**
 * Smallest `exp` read as a Go duration in nanoseconds: anything above the longest lifetime in
 * milliseconds (366 days = 31,622,400,000) is not plausible as milliseconds.
 */
export const GO_DURATION_MIN_NS = MAX_TOKEN_LIFETIME_MS + 1;
/** Largest `exp` read as nanoseconds: 366 days (31,622,400,000,000,000 ns). */
export const GO_DURATION_MAX_NS = MAX_TOKEN_LIFETIME_MS * NS_PER_MS;

/** How a declaration's `exp` was read. */
export type ExpReading =
  | { kind: 'ms'; lifetimeMs: number }
  | { kind: 'default'; lifetimeMs: number }
  /** The original 402 project's Go `time.Duration` (nanoseconds): deprecated, still honoured. */
  | { kind: 'go-duration-ns'; lifetimeMs: number; exp: number }
  /** Not a lifetime under any rule: validation refuses it with `request_exp_invalid`. */
  | { kind: 'invalid'; exp: unknown };

/**
 * Reads a declaration's `exp` (docs/payment-request.md, "Coming from the original 402"):
 * - absent, `null` or `0` (the original's "no expiry") → `defaultLifetimeMs`;
 * - an integer in 1,000 ..= 31,622,400,000 → milliseconds (1 s to 366 days);
 * - an integer in 31,622,400,001 ..= 31,622,400,000,000,000 → nanoseconds (a Go duration, as in the
 *   original README's `6000000000000` = 100 minutes), rounded down to whole milliseconds;
 * - anything else → invalid.
 * Go durations under 31.6 s cannot be told from milliseconds and are read as milliseconds.
 */
export function readDeclaredExp(exp: unknown, defaultLifetimeMs: number): ExpReading {
  if (exp === undefined || exp === null || exp === 0)
    return { kind: 'default', lifetimeMs: defaultLifetimeMs };
  if (typeof exp !== 'number' || !Number.isInteger(exp)) return { kind: 'invalid', exp };
  if (exp >= MIN_TOKEN_LIFETIME_MS && exp <= MAX_TOKEN_LIFETIME_MS) return { kind: 'ms', lifetimeMs: exp };
  if (exp >= GO_DURATION_MIN_NS && exp <= GO_DURATION_MAX_NS) {
    return { kind: 'go-duration-ns', lifetimeMs: Math.floor(exp / NS_PER_MS), exp };
  }
  return { kind: 'invalid', exp };
}
