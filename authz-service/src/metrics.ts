import { Counter, Histogram, type Registry } from 'prom-client';

/** The authorizer's own metrics, registered on the service registry. */
export interface AuthzMetrics {
  decisions: Counter<'outcome' | 'transport' | 'reason'>;
  probeCache: Counter<'result'>;
  decisionSeconds: Histogram<'transport'>;
  jwksRefresh: Counter<'result'>;
}

export function createAuthzMetrics(registry: Registry): AuthzMetrics {
  return {
    decisions: new Counter({
      name: 'turnpike_authz_decisions_total',
      help: 'Decisions by outcome (allow, payment_required, forbidden, unavailable), transport and reason',
      labelNames: ['outcome', 'transport', 'reason'] as const,
      registers: [registry],
    }),
    probeCache: new Counter({
      name: 'turnpike_authz_probe_cache_total',
      help: 'Upstream declaration lookups by how they were served (hit, miss, stale)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    decisionSeconds: new Histogram({
      name: 'turnpike_authz_decision_seconds',
      help: 'Time to decide one request',
      labelNames: ['transport'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    jwksRefresh: new Counter({
      name: 'turnpike_authz_jwks_refresh_total',
      help: 'JWKS fetches from the portal by result (ok, error)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}
