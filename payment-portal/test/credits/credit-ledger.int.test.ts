// The portal's side of price models on both storage drivers: the balance a grant opens (migration
// 0060's trigger), leases taken in one statement (exact under concurrency on PostgreSQL), returns,
// free-tier counts, the dashboard's open balances and their retention.
import { randomBytes, randomUUID } from 'node:crypto';
import { countFreeRequest } from '../../src/credits/count-free-request.js';
import { leaseCredits } from '../../src/credits/lease-credits.js';
import { listOpenCreditBalances } from '../../src/credits/list-open-balances.js';
import { purgeExpiredCreditRows } from '../../src/credits/purge-expired-credit-rows.js';
import { returnCredits } from '../../src/credits/return-credits.js';
import { migrate, type Database } from '../../src/storage/index.js';
import { pgHarness, pgliteHarness, type DriverHarness } from '../storage/drivers.js';

const harnesses: DriverHarness[] = [pgliteHarness(), pgHarness()];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});

/** An invoice opened under `pricing`, then granted (token_jti set) as every crediting path does. */
async function grantedInvoice(
  db: Database,
  pricing: Record<string, string> | null,
  site = 'default',
): Promise<{ id: string; jti: string }> {
  const id = randomBytes(16).toString('base64url');
  const jti = randomUUID();
  await db.query(
    `INSERT INTO invoices (id, host, resource, original_uri, token_lifetime_ms, request_digest, expires_at, pricing, site_id)
     VALUES ($1, 'shop.test', '/api', '/api', 3600000, 'd', now() + interval '1 hour', $2, $3)`,
    [id, pricing === null ? null : JSON.stringify(pricing), site],
  );
  await db.query(
    `UPDATE invoices SET token_jti = $2, token_expires_at = now() + interval '1 hour', status = 'redeemed',
                         redeemed_at = now() WHERE id = $1`,
    [id, jti],
  );
  return { id, jti };
}

const lease = (db: Database, tokenId: string, want: string, min = '1') =>
  leaseCredits(db, { tokenId, want, min, ttlMs: 30_000 });

describe.each(harnesses.map((h) => [h.name, h] as const))('credit ledger on %s', (name, harness) => {
  let db: Database;
  beforeAll(async () => {
    db = await harness.open();
    await migrate(db);
  });

  it('a metered grant opens its balance; a pass grant opens none', async () => {
    const metered = await grantedInvoice(db, { model: 'credits', credits: '50', cost: '2' });
    const pass = await grantedInvoice(db, null);
    const rows = await db.query<{ token_jti: string; total: string; remaining: string; model: string }>(
      'SELECT token_jti, total::text, remaining::text, model FROM credit_balances WHERE token_jti = ANY($1)',
      [[metered.jti, pass.jti]],
    );
    expect(rows.rows).toEqual([{ token_jti: metered.jti, total: '50', remaining: '50', model: 'credits' }]);
  });

  it('leases take LEAST(remaining, want) only when at least min is left, and returns give back at most the lease', async () => {
    const { jti } = await grantedInvoice(db, { model: 'credits', credits: '10', cost: '3' });
    const first = await lease(db, jti, '8', '3');
    expect(first).toMatchObject({ ok: true, granted: '8', remaining: '2' });
    expect(await lease(db, jti, '8', '3')).toEqual({
      ok: false,
      reason: 'credits_exhausted',
      leasedOut: '8',
    });
    const second = await lease(db, jti, '8', '2');
    expect(second).toMatchObject({ ok: true, granted: '2', remaining: '0' });
    if (!first.ok) throw new Error('unreachable');
    // Claiming more back than was leased gives back the lease's amount only, and only once.
    expect(await returnCredits(db, { leaseId: first.leaseId, unused: '100' })).toEqual({ returned: '8' });
    expect(await returnCredits(db, { leaseId: first.leaseId, unused: '8' })).toEqual({ returned: '0' });
    const after = await db.query<{ remaining: string }>(
      'SELECT remaining::text FROM credit_balances WHERE token_jti = $1',
      [jti],
    );
    expect(after.rows[0]!.remaining).toBe('8');
    expect(await lease(db, 'no-such-token', '1')).toEqual({
      ok: false,
      reason: 'credit_balance_unknown',
      leasedOut: '0',
    });
  });

  it('a lease past its end gives nothing back: its credit counts as spent (a crashed authorizer)', async () => {
    const { jti } = await grantedInvoice(db, { model: 'credits', credits: '10', cost: '1' });
    const got = await lease(db, jti, '4');
    if (!got.ok) throw new Error('no lease');
    await db.query(`UPDATE credit_leases SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      got.leaseId,
    ]);
    expect(await returnCredits(db, { leaseId: got.leaseId, unused: '4' })).toEqual({ returned: '0' });
    const after = await db.query<{ remaining: string }>(
      'SELECT remaining::text FROM credit_balances WHERE token_jti = $1',
      [jti],
    );
    expect(after.rows[0]!.remaining).toBe('6');
  });

  it('keeps balances beyond 2^64 exact', async () => {
    const huge = (2n ** 70n + 5n).toString();
    const { jti } = await grantedInvoice(db, { model: 'credits', credits: huge, cost: '1' });
    const got = await lease(db, jti, (2n ** 69n).toString());
    expect(got).toMatchObject({
      ok: true,
      granted: (2n ** 69n).toString(),
      remaining: (2n ** 69n + 5n).toString(),
    });
  });

  if (name === 'pg')
    it('100 concurrent leases of one credit on a 50-credit balance: exactly 50 granted', async () => {
      const { jti } = await grantedInvoice(db, { model: 'credits', credits: '50', cost: '1' });
      const answers = await Promise.all(Array.from({ length: 100 }, () => lease(db, jti, '1')));
      expect(answers.filter((a) => a.ok)).toHaveLength(50);
      const rest = await db.query<{ remaining: string; leased: string }>(
        `SELECT remaining::text, (SELECT sum(amount) FROM credit_leases WHERE token_jti = $1)::text AS leased
         FROM credit_balances WHERE token_jti = $1`,
        [jti],
      );
      expect(rest.rows[0]).toEqual({ remaining: '0', leased: '50' });
    });

  it('counts free requests exactly per payer and period, and says when the period resets', async () => {
    const ask = (payer: string) =>
      countFreeRequest(db, { site: 'default', scope: '/api', payer, limit: 3, periodSeconds: 3600 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => ask('ip:10.0.0.1')));
    expect(answers.filter((a) => a.ok)).toHaveLength(3);
    expect((await ask('ip:10.0.0.2')).ok).toBe(true);
    const reset = Date.parse(answers[0]!.resetAt);
    expect(reset).toBeGreaterThan(Date.now());
    expect(reset).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });

  it('lists open balances per site for the dashboard, as decimal strings', async () => {
    const other = await grantedInvoice(db, { model: 'per-request', credits: '1', cost: '1' }, 'site-b');
    const listed = await listOpenCreditBalances(db, { site: 'site-b' });
    expect(listed).toEqual([
      {
        tokenId: other.jti,
        siteId: 'site-b',
        host: 'shop.test',
        resource: '/api',
        model: 'per-request',
        remaining: '1',
        total: '1',
        expiresAt: expect.any(String),
      },
    ]);
    expect((await listOpenCreditBalances(db, { limit: 2 })).length).toBe(2);
  });

  it('retention deletes free-tier counts of past periods and leases past their end', async () => {
    await db.query(
      `INSERT INTO free_tier_counts (site_id, scope, payer, period_start, used, expires_at)
       VALUES ('default', '/old', 'ip:1', now() - interval '2 hours', 1, now() - interval '1 hour')`,
    );
    const { jti } = await grantedInvoice(db, { model: 'credits', credits: '5', cost: '1' });
    await db.query(
      `INSERT INTO credit_leases (id, token_jti, amount, expires_at) VALUES ('old-lease', $1, 1, now() - interval '1 minute')`,
      [jti],
    );
    // The lease left expired by the crash test above goes too.
    expect(await purgeExpiredCreditRows(db, 100)).toEqual({ freeTierCounts: 1, creditLeases: 2 });
    const left = await db.query('SELECT 1 FROM credit_leases WHERE expires_at < now()');
    expect(left.rows).toHaveLength(0);
  });
});
