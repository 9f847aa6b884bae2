import { Registry } from 'prom-client';
import { createAuthzMetrics } from '../../src/metrics.js';

describe('authz metrics in the Prometheus text format', () => {
  it('counts by label set and renders cumulative histogram buckets with +Inf, _sum and _count', async () => {
    const registry = new Registry();
    const m = createAuthzMetrics(registry);
    m.decisions.inc({ outcome: 'allow', transport: 'nginx', reason: '' });
    m.decisions.labels('allow', 'nginx', '').inc();
    m.decisions.inc({ outcome: 'payment_required', transport: 'envoy-grpc', reason: 'token_missing' }, 3);
    m.decisionSeconds.observe({ transport: 'nginx' }, 0.0002);
    m.decisionSeconds.labels('nginx').observe(0.003);
    m.decisionSeconds.labels('nginx').observe(5);
    m.probeCache.inc({ result: 'hit' });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE turnpike_authz_decisions_total counter');
    expect(text).toContain('turnpike_authz_decisions_total{outcome="allow",transport="nginx",reason=""} 2');
    expect(text).toContain(
      'turnpike_authz_decisions_total{outcome="payment_required",transport="envoy-grpc",reason="token_missing"} 3',
    );
    expect(text).toContain('# TYPE turnpike_authz_decision_seconds histogram');
    expect(text).toContain('turnpike_authz_decision_seconds_bucket{le="0.0001",transport="nginx"} 0');
    expect(text).toContain('turnpike_authz_decision_seconds_bucket{le="0.00025",transport="nginx"} 1');
    expect(text).toContain('turnpike_authz_decision_seconds_bucket{le="0.005",transport="nginx"} 2');
    expect(text).toContain('turnpike_authz_decision_seconds_bucket{le="1",transport="nginx"} 2');
    expect(text).toContain('turnpike_authz_decision_seconds_bucket{le="+Inf",transport="nginx"} 3');
    expect(text).toContain('turnpike_authz_decision_seconds_count{transport="nginx"} 3');
    expect(text).toMatch(/turnpike_authz_decision_seconds_sum\{transport="nginx"\} 5\.0032/);
    expect(text).toContain('turnpike_authz_probe_cache_total{result="hit"} 1');
    const json = await registry.getMetricsAsJSON();
    expect(json.map((j) => j.name)).toEqual(
      expect.arrayContaining(['turnpike_authz_decisions_total', 'turnpike_authz_decision_seconds']),
    );
    registry.resetMetrics();
    expect(await registry.metrics()).toContain(
      'turnpike_authz_decisions_total{outcome="allow",transport="nginx",reason=""} 0',
    );
  });
});
