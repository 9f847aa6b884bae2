import { DEFAULT_LATE_GRACE_MS } from '../config/schema.js';

/**
 * `watchers.<network>.lateGraceMs` of a portal config, per network: how long after expiry a payment
 * may still credit an invoice late, so how long a refund of an expired invoice must wait.
 */
export function lateGraceByNetwork(
  watchers: Readonly<Record<string, { lateGraceMs?: number | undefined }>>,
): Map<string, number> {
  return new Map(Object.entries(watchers).map(([n, w]) => [n, w.lateGraceMs ?? DEFAULT_LATE_GRACE_MS]));
}
