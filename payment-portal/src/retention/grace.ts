import { DEFAULT_LATE_GRACE_MS, type PortalConfig } from '../config/schema.js';

/** Kept after the last watcher stopped looking: time for an operator to notice a late payment. */
export const RETENTION_MARGIN_MS = 7 * 86_400_000;

/** The longest late grace of the configured watchers (the schema's default when there are none). */
function longestLateGraceMs(config: PortalConfig): number {
  const graces = Object.values(config.watchers).map((w) => w.lateGraceMs);
  return graces.length > 0 ? Math.max(...graces) : DEFAULT_LATE_GRACE_MS;
}

/**
 * How long after its expiry an unpaid invoice is kept: `retention.graceMs`, or by default the
 * longest `watchers.<net>.lateGraceMs` + 7 days. Until then a watcher may still record a late
 * payment to its address, and that payment would then keep it.
 */
export function retentionGraceMs(config: PortalConfig): number {
  return config.retention.graceMs ?? longestLateGraceMs(config) + RETENTION_MARGIN_MS;
}

/** A problem when `retention.graceMs` is shorter than a watcher's late grace (for the config check). */
export function retentionGraceProblem(config: PortalConfig): string | undefined {
  const grace = config.retention.graceMs;
  if (grace === undefined) return undefined;
  const longest = longestLateGraceMs(config);
  return grace < longest
    ? `retention.graceMs: ${grace} is shorter than the longest watchers.<network>.lateGraceMs (${longest}); an invoice must outlive the time its address is watched`
    : undefined;
}
