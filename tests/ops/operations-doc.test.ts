/**
 * docs/operations.md cannot drift from the code: the metric names both services register (their
 * own, not Node's process defaults) and the portal's event names are exactly the ones its tables
 * list, both ways. The registries are built by the same functions the services call at start.
 */
import { readFile } from 'node:fs/promises';
import { createMetrics } from '@turnpike/protocol/service';
import type { Registry } from 'prom-client';
import { createAuthzMetrics } from '../../authz-service/src/metrics.js';
import { PORTAL_EVENTS } from '../../payment-portal/src/events/event-names.js';
import { createPortalMetrics } from '../../payment-portal/src/metrics.js';
import type { FeePayerMonitor, Relayer } from '../../payment-portal/src/proofs/index.js';
import { registerFeePayerMetrics } from '../../payment-portal/src/proofs/x402/svm/fee-payer-metrics.js';
import { registerRelayerMetrics } from '../../payment-portal/src/proofs/x402/relayer-metrics.js';
import { createWatcherHealth } from '../../payment-portal/src/watchers/watcher-health.js';
import { registerWatcherMetrics } from '../../payment-portal/src/watchers/watcher-metrics.js';

const DOC = new URL('../../docs/operations.md', import.meta.url);

const names = (registry: Registry): string[] => registry.getMetricsAsArray().map((m) => m.name);

/** The service's own metric names: everything registered beyond a fresh registry's defaults. */
function own(registry: Registry, prefix: string): string[] {
  const defaults = new Set(names(createMetrics(prefix)));
  return names(registry)
    .filter((n) => !defaults.has(n))
    .sort();
}

function authzNames(): string[] {
  const registry = createMetrics();
  createAuthzMetrics(registry);
  return own(registry, '');
}

function portalNames(): string[] {
  const registry = createMetrics('turnpike_portal_');
  createPortalMetrics(registry);
  registerWatcherMetrics(registry, [createWatcherHealth({ network: 'anvil', kind: 'evm' })]);
  // Registering reads nothing from the relayer (its gauge reads it at scrape time only).
  registerRelayerMetrics(registry, {} as Relayer);
  registerFeePayerMetrics(registry, {} as FeePayerMonitor);
  return own(registry, 'turnpike_portal_');
}

/** First-column names of the table rows under a `### <section>` heading. */
function documentedMetrics(doc: string, section: string): string[] {
  const start = doc.indexOf(`### ${section}\n`);
  expect(start).toBeGreaterThan(-1);
  const rest = doc.slice(start + 4);
  const end = rest.search(/\n#{2,3} /);
  const body = end === -1 ? rest : rest.slice(0, end);
  return [...body.matchAll(/^\| `([a-z0-9_]+)` +\|/gm)].map((m) => m[1]!).sort();
}

describe('docs/operations.md matches the code', () => {
  it('lists every authz-service metric, and only those', async () => {
    const doc = await readFile(DOC, 'utf8');
    const inCode = authzNames();
    expect(inCode).toContain('turnpike_authz_decisions_total');
    expect(documentedMetrics(doc, 'authz-service')).toEqual(inCode);
  });

  it('lists every payment-portal metric, and only those', async () => {
    const doc = await readFile(DOC, 'utf8');
    const inCode = portalNames();
    for (const added of [
      'turnpike_portal_revenue_total',
      'turnpike_portal_payments_credited_total',
      'turnpike_portal_chain_head_age_seconds',
      'turnpike_portal_watcher_lag_blocks',
    ])
      expect(inCode).toContain(added);
    expect(documentedMetrics(doc, 'payment-portal')).toEqual(inCode);
  });

  it('lists every event line, and only those', async () => {
    const doc = await readFile(DOC, 'utf8');
    const start = doc.indexOf('## Event lines\n');
    const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
    const documented = [...section.matchAll(/^\| `([a-z]+\.[a-z]+)` +\|/gm)].map((m) => m[1]!).sort();
    expect(documented).toEqual([...PORTAL_EVENTS].sort());
  });
});
