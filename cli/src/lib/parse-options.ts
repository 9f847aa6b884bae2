import { UsageError } from '../errors.js';

/** `--limit N`: 1..10000. */
export function parseLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10_000)
    throw new UsageError(`--limit must be an integer from 1 to 10000, got "${value}"`);
  return Number(value);
}

/** `--scan-limit N`: 1..2^31 (a branch cannot hold more non-hardened indexes). */
export function parseScanLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2 ** 31)
    throw new UsageError(`--scan-limit must be an integer from 1 to 2147483648, got "${value}"`);
  return Number(value);
}

/** `--from` / `--to`: an ISO date or date-time (UTC when no offset is given). */
export function parseInstant(value: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const date = new Date(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime()))
    throw new UsageError(
      `not an ISO date or date-time: "${value}" (e.g. 2026-12-01 or 2026-12-01T12:00:00Z)`,
    );
  return date;
}
