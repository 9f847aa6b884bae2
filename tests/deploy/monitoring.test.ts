/**
 * deploy/monitoring: the alert rules checked and unit-tested by the real `promtool` (Debian's
 * prometheus package), the dashboard's every query parsed by promtool too, and every metric either
 * file names held to the names the services register (docs/operations.md, which lists them all).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_DIR } from './kustomize.js';

const MONITORING_DIR = path.join(REPO_DIR, 'deploy/monitoring');
const RULES = path.join(MONITORING_DIR, 'turnpike-alerts.yaml');
const RULE_TESTS = path.join(MONITORING_DIR, 'turnpike-alerts.test.yaml');
const DASHBOARD = path.join(MONITORING_DIR, 'turnpike-dashboard.json');
const OPERATIONS_DOC = path.join(REPO_DIR, 'docs/operations.md');
const PROMTOOL = 'promtool';
const RUN_TIMEOUT_MS = 60_000;
/** Series Prometheus itself provides for every scrape target. */
const PROMETHEUS_SERIES = new Set(['up']);
/**
 * Agreed for this release (COMMON.md, issue 9) and registered by the portal's metrics change;
 * used only while docs/operations.md is absent.
 */
const AGREED_NEW_METRICS = [
  'turnpike_portal_revenue_total',
  'turnpike_portal_payments_credited_total',
  'turnpike_portal_chain_head_age_seconds',
];

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

function promtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS, cwd: MONITORING_DIR });
  if (run.error !== undefined)
    throw new Error(
      `${PROMTOOL}: ${run.error.message}; run \`bash scripts/test-deps\` as root (Debian's prometheus)`,
    );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const rules = (): Rule[] =>
  (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const panels = (): Panel[] => (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels;
const dashboardExprs = (): string[] => panels().flatMap((p) => (p.targets ?? []).map((t) => t.expr));
/** Grafana's own variables, replaced as Grafana would before the query reaches Prometheus. */
const withGrafanaVariables = (expr: string): string =>
  expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replaceAll('$__interval', '1m');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'test') return [];
    return statSync(full).isDirectory() ? filesUnder(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** The metric names the services register (string literals in their sources), base names. */
function registeredInCode(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['authz-service/src', 'payment-portal/src', 'protocol/src'])
    for (const file of filesUnder(path.join(REPO_DIR, dir)))
      for (const m of readFileSync(file, 'utf8').matchAll(/['"`](turnpike_[a-z0-9_]*[a-z0-9])['"`]/g))
        names.add(m[1]!);
  return names;
}

/**
 * The metric names to hold the files to: every `turnpike_…` name docs/operations.md documents or,
 * without that document, those registered in the code plus the names agreed for this release.
 */
function knownMetrics(): { names: Set<string>; source: string } {
  if (existsSync(OPERATIONS_DOC)) {
    const doc = readFileSync(OPERATIONS_DOC, 'utf8');
    return {
      names: new Set([...doc.matchAll(/\bturnpike_[a-z0-9_]*[a-z0-9]\b/g)].map((m) => m[0])),
      source: 'docs/operations.md',
    };
  }
  return { names: new Set([...registeredInCode(), ...AGREED_NEW_METRICS]), source: 'the code and COMMON.md' };
}

/** Metric names in a PromQL expression: identifiers that select series (not functions, labels). */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\[[^\]]*\]/g, ''); // ranges
  const keywords = new Set(['by', 'without', 'on', 'ignoring', 'bool', 'and', 'or', 'unless', 'offset']);
  return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((m) => m[1]!)
    .filter((name) => !keywords.has(name) && !/^(e|inf|nan)$/i.test(name) && !/^\d/.test(name));
}

/** A histogram's series (`_bucket`, `_sum`, `_count`) belong to its base name. */
function isKnown(name: string, known: Set<string>): boolean {
  if (known.has(name) || PROMETHEUS_SERIES.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && known.has(base);
}

test('promtool is installed', () => {
  const { status, output } = promtool(['--version']);
  expect(status).toBe(0);
  expect(output).toMatch(/promtool, version \d+/);
});

test('promtool check rules passes on the alert rules', () => {
  const { status, output } = promtool(['check', 'rules', RULES]);
  expect(output).toMatch(/SUCCESS: \d+ rules found/);
  expect(status).toBe(0);
});

test('promtool test rules: each alert fires on the series that should fire it, and only then', () => {
  const { status, output } = promtool(['test', 'rules', RULE_TESTS]);
  expect(output).toMatch(/SUCCESS/);
  expect(status).toBe(0);
});

test('the rules alert on what operators must know', () => {
  expect(rules().map((r) => r.alert)).toEqual(
    expect.arrayContaining([
      'TurnpikeAuthorizerDown',
      'TurnpikeAuthorizerUnavailableAnswers',
      'TurnpikeDecisionLatencyHigh',
      'TurnpikePortalDown',
      'TurnpikeWatcherLagging',
      'TurnpikeChainHeadStale',
      'TurnpikeRpcEndpointDown',
      'TurnpikeRelayerBalanceLow',
      'TurnpikeSettlementFailures',
    ]),
  );
  for (const r of rules()) expect(r.alert).toMatch(/^Turnpike[A-Za-z]+$/);
});

test('the dashboard is Grafana JSON whose every query Prometheus parses', () => {
  const all = panels();
  expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
  const graphs = all.filter((p) => p.type !== 'row');
  expect(graphs.length).toBeGreaterThan(10);
  for (const p of graphs) expect([p.title, (p.targets ?? []).length > 0]).toEqual([p.title, true]);
  // promtool parses expressions only inside rule files: each query becomes a recording rule.
  const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-dashboard-'));
  try {
    const file = path.join(dir, 'dashboard-queries.yaml');
    const recorded = dashboardExprs().map((expr, i) => ({
      record: `turnpike:dashboard_query:${i}`,
      expr: withGrafanaVariables(expr),
    }));
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: recorded }] }));
    const { status, output } = promtool(['check', 'rules', file]);
    expect(output).toMatch(new RegExp(`SUCCESS: ${recorded.length} rules found`));
    expect(status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the dashboard shows decisions, latency, 402s, invoices, payments, revenue, chains, RPC, relayer, tokens', () => {
  const used = new Set(dashboardExprs().flatMap(metricsIn));
  expect([...used]).toEqual(
    expect.arrayContaining([
      'turnpike_authz_decisions_total',
      'turnpike_authz_decision_seconds_bucket',
      'turnpike_portal_invoices_created_total',
      'turnpike_portal_payments_credited_total',
      'turnpike_portal_revenue_total',
      'turnpike_portal_watcher_lag_blocks',
      'turnpike_portal_chain_head_age_seconds',
      'turnpike_portal_rpc_endpoint_up',
      'turnpike_portal_relayer_balance',
      'turnpike_portal_tokens_issued_total',
    ]),
  );
});

test('every metric the rules and the dashboard name is one the services register', () => {
  const { names, source } = knownMetrics();
  expect(names.size).toBeGreaterThan(10);
  const used = new Set([...rules().map((r) => r.expr), ...dashboardExprs()].flatMap(metricsIn));
  expect(used.size).toBeGreaterThan(10);
  const unknown = [...used].filter((n) => !isKnown(n, names));
  expect({ source, unknown }).toEqual({ source, unknown: [] });
});

test('the metric-name check itself: finds selectors, ignores functions and labels', () => {
  expect(
    metricsIn(
      'histogram_quantile(0.99, sum by (le) (rate(turnpike_authz_decision_seconds_bucket{transport="x"}[5m])))',
    ),
  ).toEqual(['turnpike_authz_decision_seconds_bucket']);
  expect(metricsIn('time() - max by (network) (a_metric) > 300 or absent(up{job="x"})')).toEqual([
    'a_metric',
    'up',
  ]);
  expect(
    isKnown('turnpike_authz_decision_seconds_bucket', new Set(['turnpike_authz_decision_seconds'])),
  ).toBe(true);
  expect(isKnown('turnpike_portal_revenue', new Set(['turnpike_portal_revenue_total']))).toBe(false);
});
