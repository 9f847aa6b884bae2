// The reporting admin API on real PostgreSQL, over a scripted day of payments made on anvil with
// Circle's USDC and credited by the portal's own watcher (payment-portal/test/admin/scripted-day.ts):
// every sum equals the database's own, filters narrow, bad parameters are refused with
// admin_query_invalid, and the in-memory parts are
// what this replica holds (watchers, settlement failures); credit balances are the ledger's.
import { randomUUID } from 'node:crypto';
import { databaseRevenue, runScriptedDay, SCRIPT, type ScriptedDay } from './scripted-day.js';

interface Amount {
  network: string;
  asset: string;
  symbol: string | null;
  amountAtomic: string;
  amount: string | null;
}
interface RevenueJson {
  from: string;
  to: string;
  days: string[];
  series: Array<Amount & { day: string; siteId: string; payments: number }>;
  totals: Array<Amount & { siteId: string; payments: number }>;
}

let day: ScriptedDay;
const get = async <T>(path: string): Promise<T> => {
  const res = await day.portal.admin(path);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

beforeAll(async () => {
  day = await runScriptedDay();
}, 180_000);
afterAll(() => day?.close(), 60_000);

test('revenue per site, network and asset per day equals the database sums, in exact atomic units and whole units', async () => {
  const range = { from: day.yesterday, to: day.today };
  const report = await get<RevenueJson>(`/reports/revenue?from=${range.from}&to=${range.to}`);
  expect(report.days).toEqual([day.yesterday, day.today]);
  const db = await databaseRevenue(day, range);
  expect(db.length).toBe(4); // two sites × (USDC, ETH)
  expect(
    report.totals.map((t) => [t.siteId, t.network, t.asset, t.amountAtomic, String(t.payments)]).sort(),
  ).toEqual(db.map((r) => [r.site_id, r.network, r.asset, r.total, r.payments]).sort());
  // Whole units from the registry's decimals, never added across assets.
  const usdcA = report.totals.find((t) => t.siteId === 'default' && t.symbol === 'USDC')!;
  expect(usdcA.amount).toBe('4.5'); // 1 + 2.5 + 1 (late)
  expect(report.totals.find((t) => t.siteId === 'shop-b' && t.symbol === 'USDC')!.amount).toBe('1.5');
  expect(report.totals.find((t) => t.siteId === 'default' && t.symbol === 'ETH')!.amount).toBe('0.002');
  // The moved credit is yesterday's bar; today's default USDC is the rest.
  const yesterday = report.series.filter((s) => s.day === day.yesterday);
  expect(yesterday.map((s) => [s.siteId, s.symbol, s.amount])).toEqual([['default', 'USDC', '2.5']]);
  expect(
    report.series.find((s) => s.day === day.today && s.siteId === 'default' && s.symbol === 'USDC')!.amount,
  ).toBe('2');
});

test('revenue filters: one site, one asset (by symbol), one network; a range without credits is empty', async () => {
  const range = `from=${day.yesterday}&to=${day.today}`;
  const siteB = await get<RevenueJson>(`/reports/revenue?${range}&site=shop-b`);
  expect(new Set(siteB.totals.map((t) => t.siteId))).toEqual(new Set(['shop-b']));
  expect(siteB.totals).toHaveLength(2);
  const usdc = await get<RevenueJson>(`/reports/revenue?${range}&asset=USDC`);
  expect(new Set(usdc.totals.map((t) => t.symbol))).toEqual(new Set(['USDC']));
  const eth = await get<RevenueJson>(`/reports/revenue?${range}&asset=eth&network=anvil`);
  expect(eth.totals.map((t) => t.asset)).toEqual(['native', 'native']);
  const old = await get<RevenueJson>('/reports/revenue?from=2020-01-01&to=2020-01-31');
  expect(old.days).toHaveLength(31);
  expect(old.totals).toEqual([]);
  const none = await get<RevenueJson>(`/reports/revenue?${range}&site=nobody`);
  expect(none.totals).toEqual([]);
});

test('bad query parameters are refused with 400 admin_query_invalid naming the problem', async () => {
  for (const [query, names] of [
    ['from=2026-13-45', 'from'],
    ['from=yesterday', 'from'],
    [`from=${day.today}&to=${day.yesterday}`, 'after'],
    ['from=2020-01-01&to=2026-01-01', '366'],
    ['site=Not_A_Site', 'site'],
    ['bogus=1', 'bogus'],
  ] as const) {
    const res = await day.portal.admin(`/reports/revenue?${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { reason: string; message: string };
    expect(body.reason).toBe('admin_query_invalid');
    expect(body.message).toContain(names);
  }
  for (const limit of ['0', '501', 'ten']) {
    const res = await day.portal.admin(`/reports/payments?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { reason: string }).reason).toBe('admin_query_invalid');
  }
});

test('recent invoices and payments carry status, site and chain links; filters narrow them', async () => {
  const { invoices } = await get<{
    invoices: Array<{ id: string; siteId: string; status: string; lateCredited: boolean }>;
  }>('/reports/invoices?limit=50');
  const byId = new Map(invoices.map((i) => [i.id, i]));
  for (const step of SCRIPT) expect(byId.get(day.invoices.get(step.key)!)?.siteId).toBe(step.site);
  expect(byId.get(day.invoices.get('b-usdc-short')!)?.status).toBe('expired');
  expect(byId.get(day.invoices.get('a-usdc-late')!)).toMatchObject({ status: 'expired', lateCredited: true });
  expect(byId.get(day.invoices.get('a-usdc-1')!)?.status).toMatch(/^(paid|redeemed)$/);
  const siteB = await get<{ invoices: Array<{ siteId: string }> }>('/reports/invoices?site=shop-b');
  expect(siteB.invoices).toHaveLength(SCRIPT.filter((s) => s.site === 'shop-b').length);

  const { payments } = await get<{
    payments: Array<{
      txHash: string;
      explorerUrl: string | null;
      credited: boolean;
      status: string;
      payTo: string;
      amountAtomic: string;
    }>;
  }>('/reports/payments');
  expect(payments).toHaveLength(SCRIPT.length);
  for (const p of payments) {
    expect(p.explorerUrl).toBe(`https://explorer.test/tx/${p.txHash}`);
    expect(p.status).toBe('confirmed');
  }
  // The short payment to the invoice that expired was never credited; every other one was.
  const short = payments.find((p) => p.payTo === day.payTo.get('b-usdc-short')!.toLowerCase())!;
  expect(short).toMatchObject({ credited: false, amountAtomic: '400000' });
  expect(payments.filter((p) => p.credited)).toHaveLength(SCRIPT.length - 1);
  const limited = await get<{ payments: unknown[] }>('/reports/payments?limit=2&asset=USDC');
  expect(limited.payments).toHaveLength(2);
});

test('late payments, and refunds: the overpaid difference and the whole of a payment to an expired invoice', async () => {
  const late = await get<{ payments: Array<{ invoiceId: string; amount: string; lateByMs: number }> }>(
    '/reports/late-payments',
  );
  expect(late.payments.map((p) => [p.invoiceId, p.amount])).toEqual([[day.invoices.get('a-usdc-late'), '1']]);
  expect(late.payments[0]!.lateByMs).toBeGreaterThan(0);

  const { refunds } = await get<{
    refunds: Array<{
      kind: string;
      invoiceId: string;
      amount: string;
      to: string;
      from: { address: string; path: string };
    }>;
  }>('/refunds');
  expect(refunds.map((r) => [r.kind, r.invoiceId, r.amount]).sort()).toEqual(
    [
      ['expired_unpaid', day.invoices.get('b-usdc-short'), '0.4'],
      ['overpaid', day.invoices.get('b-usdc-over'), '0.5'],
    ].sort(),
  );
  for (const r of refunds) {
    expect(r.to.toLowerCase()).toBe(day.chain.payer.toLowerCase());
    expect(r.from.path).toMatch(/^0\/\d+$/);
  }
  const siteA = await get<{ refunds: unknown[] }>('/refunds?site=default');
  expect(siteA.refunds).toEqual([]);
});

test('watcher lag is what /readyz reports; settlement failures are the ones this replica recorded', async () => {
  const watchers = await get<{
    ok: boolean;
    networks: Array<{ network: string; ok: boolean; lagBlocks: number; headBlock: number }>;
  }>('/reports/watchers');
  expect(watchers.ok).toBe(true);
  expect(watchers.networks.map((n) => n.network)).toEqual(['anvil']);
  expect(watchers.networks[0]!.ok).toBe(true);
  expect(watchers.networks[0]!.lagBlocks).toBeGreaterThanOrEqual(0);
  const ready = (await (await fetch(`${day.portal.portal.publicUrl}/readyz`)).json()) as {
    checks: { watchers: { networks: Record<string, { headBlock: number }> } };
  };
  expect(ready.checks.watchers.networks.anvil!.headBlock).toBeGreaterThanOrEqual(
    watchers.networks[0]!.headBlock,
  );

  expect((await get<{ failures: unknown[] }>('/reports/settlement-failures')).failures).toEqual([]);
  day.portal.portal.context.events.settlementFailed({
    network: 'anvil',
    asset: day.chain.usdc.address.toLowerCase(),
    amountAtomic: 1_000_000n,
    host: 'shop.test',
    mode: 'relayer',
    reason: 'x402_settle_failed',
  });
  const { failures } = await get<{ failures: Array<Record<string, unknown>> }>(
    '/reports/settlement-failures',
  );
  expect(failures).toEqual([
    expect.objectContaining({
      host: 'shop.test',
      symbol: 'USDC',
      amount: '1',
      reason: 'x402_settle_failed',
      mode: 'relayer',
    }),
  ]);
});

test("open credit balances are the credit ledger's, per site", async () => {
  const db = day.portal.portal.db;
  // A credits invoice granted the way every crediting path grants one: the ledger opens its balance.
  const id = 'credits-balance-report-01';
  const jti = randomUUID();
  await db.query(
    `INSERT INTO invoices (id, host, resource, original_uri, token_lifetime_ms, request_digest, expires_at, pricing, site_id)
     VALUES ($1, 'api.shop.test', '/v1', '/v1', 3600000, 'd', now() + interval '1 hour', $2, 'shop-b')`,
    [id, JSON.stringify({ model: 'credits', credits: '50', cost: '1' })],
  );
  await db.query(
    `UPDATE invoices SET token_jti = $2, token_expires_at = now() + interval '1 hour', status = 'redeemed',
                         redeemed_at = now() WHERE id = $1`,
    [id, jti],
  );
  const { rows } = await db.query<{ expires_at: Date }>(
    'SELECT expires_at FROM credit_balances WHERE token_jti = $1',
    [jti],
  );
  const shopB = await get<{ balances: unknown[] }>('/reports/credit-balances?site=shop-b');
  expect(shopB.balances).toEqual([
    {
      tokenId: jti,
      siteId: 'shop-b',
      host: 'api.shop.test',
      resource: '/v1',
      model: 'credits',
      remaining: '50',
      total: '50',
      expiresAt: new Date(rows[0]!.expires_at).toISOString(),
    },
  ]);
  const other = await get<{ balances: Array<{ tokenId: string }> }>('/reports/credit-balances?site=default');
  expect(other.balances.map((b) => b.tokenId)).not.toContain(jti);
});

test('every report needs the admin bearer secret', async () => {
  for (const path of ['/reports/revenue', '/reports/payments', '/refunds', '/reports/watchers']) {
    const res = await day.portal.admin(path, { token: 'wrong-secret-of-some-length' });
    expect(res.status).toBe(401);
  }
});
