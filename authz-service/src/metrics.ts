import type { Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './metrics-fast.js';

/** The authorizer's own metrics, registered on the service registry (prom-client text format). */
export interface AuthzMetrics {
  decisions: FastCounter<'outcome' | 'transport' | 'reason'>;
  probeCache: FastCounter<'result'>;
  decisionSeconds: FastHistogram<'transport'>;
  jwksRefresh: FastCounter<'result'>;
  /** Usage reports (docs/credits.md, "Usage") by outcome: billed, capped, unbilled, invalid, not_metered, unauthorized. */
  usageReports: FastCounter<'outcome'>;
  /** Credits of usage reports' extras by what became of them: debited, short (balance spent), unbilled. */
  usageCredits: FastCounter<'result'>;
}

export const DECISION_SECONDS_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
] as const;

export function createAuthzMetrics(registry: Registry): AuthzMetrics {
  return {
    decisions: new FastCounter(
      'turnpike_authz_decisions_total',
      'Decisions by outcome (allow, payment_required, forbidden, unavailable), transport and reason',
      ['outcome', 'transport', 'reason'],
      registry,
    ),
    probeCache: new FastCounter(
      'turnpike_authz_probe_cache_total',
      'Upstream declaration lookups by how they were served (hit, miss, stale)',
      ['result'],
      registry,
    ),
    decisionSeconds: new FastHistogram(
      'turnpike_authz_decision_seconds',
      'Time to decide one request',
      ['transport'],
      DECISION_SECONDS_BUCKETS,
      registry,
    ),
    jwksRefresh: new FastCounter(
      'turnpike_authz_jwks_refresh_total',
      'JWKS fetches from the portal by result (ok, error)',
      ['result'],
      registry,
    ),
    usageReports: new FastCounter(
      'turnpike_authz_usage_reports_total',
      'Usage reports from the gateway by outcome (billed, capped, unbilled, invalid, not_metered, unauthorized)',
      ['outcome'],
      registry,
    ),
    usageCredits: new FastCounter(
      'turnpike_authz_usage_credits_total',
      "Credits of usage reports' extras by result: debited, short (the balance was spent), unbilled (the portal was unreachable)",
      ['result'],
      registry,
    ),
  };
}
