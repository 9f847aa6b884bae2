import { normalizePath, REASONS } from '@turnpike/protocol';
import type { DecisionLogger } from '../core/types.js';
import type { AuthzReason } from '../reasons.js';
import type { RequirementResolver } from '../requirements/resolve.js';
import type { CreditMeter } from './credit-meter.js';

/** A gateway's report of what one answered request really cost (docs/credits.md, "Usage"). */
export interface UsageReport {
  /** The token's `jti` (the `x-402-token-id` identity header of the allow). */
  tokenId: string;
  /** The original request as the gateway asked about it: method, host, target (path and query). */
  method: string;
  host: string;
  uri: string;
  /** The upstream's `x-402-usage`, already parsed strictly (credits). */
  reported: bigint;
}

/** Amounts of an accepted report, in credits. */
export interface UsageAmounts {
  /** What the allow debited up front (the resource's `cost`). */
  cost: bigint;
  reported: bigint;
  /** reported − cost when positive, else 0: what this report debits. */
  extra: bigint;
  /** What was debited: the extra, or less when the balance ran out or the portal could not be reached. */
  debited: bigint;
}

export type UsageOutcome =
  | ({ kind: 'billed' } & UsageAmounts)
  /** The balance could not cover the extra: it took what was left; the balance is spent. */
  | ({ kind: 'capped'; short: bigint } & UsageAmounts)
  /** The portal could not be reached in time: `unbilled` credits were not debited. */
  | ({ kind: 'unbilled'; unbilled: bigint; reason: AuthzReason } & UsageAmounts)
  | { kind: 'invalid'; reason: AuthzReason }
  | { kind: 'not_metered'; reason: AuthzReason };

export interface UsageReporterDeps {
  requirements: RequirementResolver;
  meter: Pick<CreditMeter, 'take'>;
  /** How long an extra that needs the portal is retried while the portal cannot be reached. */
  retryForMs: number;
}

/**
 * Debits a usage report's extra: the resource is resolved again here (the authorizer, not the
 * gateway, says what it costs and whether it reports usage), and what the upstream reported above
 * the up-front `cost` is taken from the token's balance through the credit meter: never more than
 * the balance holds, whatever the report says.
 */
export function createUsageReporter(deps: UsageReporterDeps) {
  return async (report: UsageReport, log: DecisionLogger): Promise<UsageOutcome> => {
    let path: string;
    let query: string;
    try {
      ({ path, query } = normalizePath(report.uri));
    } catch {
      return { kind: 'invalid', reason: REASONS.USAGE_REPORT_INVALID };
    }
    const neutral = {
      method: report.method,
      scheme: 'http' as const,
      host: report.host,
      target: query === '' ? path : `${path}?${query}`,
      headers: {},
    };
    const resolved =
      deps.requirements.resolveCached?.(neutral, path, log) ??
      (await deps.requirements.resolve(neutral, path, log));
    if (resolved.kind === 'deny' && resolved.decision === 'unavailable')
      // The declaration cannot be read now (the upstream's probe failed): nothing is known to bill.
      return { kind: 'unbilled', unbilled: 0n, reason: REASONS.USAGE_UNBILLED, ...zero(report.reported) };
    const metering = resolved.kind === 'priced' ? resolved.request.metering : undefined;
    if (metering?.usage !== true) return { kind: 'not_metered', reason: REASONS.USAGE_NOT_METERED };
    const cost = metering.cost;
    const extra = report.reported > cost ? report.reported - cost : 0n;
    const amounts = { cost, reported: report.reported, extra };
    if (extra === 0n) return { kind: 'billed', ...amounts, debited: 0n };
    const took = await deps.meter.take(report.tokenId, extra, deps.retryForMs);
    if (took.unbilled > 0n)
      return {
        kind: 'unbilled',
        unbilled: took.unbilled,
        reason: REASONS.USAGE_UNBILLED,
        ...amounts,
        debited: took.taken,
      };
    if (took.short > 0n) return { kind: 'capped', short: took.short, ...amounts, debited: took.taken };
    return { kind: 'billed', ...amounts, debited: took.taken };
  };
}

export type UsageReporter = ReturnType<typeof createUsageReporter>;

function zero(reported: bigint): UsageAmounts {
  return { cost: 0n, reported, extra: 0n, debited: 0n };
}
