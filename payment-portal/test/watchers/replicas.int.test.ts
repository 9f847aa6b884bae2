import { challengeSchema } from '@turnpike/protocol';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { openDatabase } from '../../src/storage/index.js';
import { mine, startChain, startCore, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, waitForInvoice, type PortalFixture } from '../support/portal-fixture.js';

const target = { host: 'shop.test', scheme: 'https', resource: '/api', originalUri: '/api' } as const;

describe('two portal replicas on one PostgreSQL', () => {
  let chain: ChainFixture;
  let pg: TestPostgres;
  let a: PortalFixture;
  let b: PortalFixture;

  beforeAll(async () => {
    chain = await startChain();
    pg = await startPostgres();
    const url = await pg.createDatabase('replicas');
    [a, b] = await Promise.all([
      startPortal(chain, { databaseUrl: url }),
      startPortal(chain, { databaseUrl: url }),
    ]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await pg?.stop();
    await chain?.close();
  });

  async function challenge(p: PortalFixture, i: number) {
    const body = {
      ...target,
      request: p.wire({
        exp: 60_000,
        payment: { requests: [{ network: 'anvil', asset: 'USDC', amount: '1' }] },
      }),
      client: { ip: `192.0.2.${i}` },
    };
    return challengeSchema.parse(await (await p.internal('/internal/v1/challenges', body)).json());
  }

  it('credits every payment exactly once, also across a lease hand-over', async () => {
    const challenges = await Promise.all(
      Array.from({ length: 12 }, (_, i) => challenge(i % 2 === 0 ? a : b, i)),
    );
    expect(new Set(challenges.map((c) => c.offers[0]!.payTo)).size).toBe(12);
    let transfers = 0;
    for (const [i, c] of challenges.entries()) {
      // Every third invoice is paid in two parts that add up.
      if (i % 3 === 0) {
        await chain.usdc.transfer(chain.payer, c.offers[0]!.payTo, 400_000n);
        await chain.usdc.transfer(chain.payer, c.offers[0]!.payTo, 600_000n);
        transfers += 2;
      } else {
        await chain.usdc.transfer(chain.payer, c.offers[0]!.payTo, 1_000_000n);
        transfers += 1;
      }
    }
    await mine(chain, 2);
    for (const c of challenges)
      await waitForInvoice(a.portal.publicUrl, c.id, (v) => v.invoice.status === 'paid');

    // The replica holding the lease stops; the other takes over and keeps crediting.
    const lease = await a.portal.db.query<{ lease_owner: string }>(
      `SELECT lease_owner FROM watcher_cursors WHERE network = 'anvil'`,
    );
    const [holder, other] = lease.rows[0]?.lease_owner === a.portal.replicaId ? [a, b] : [b, a];
    expect(lease.rows[0]?.lease_owner).toBe(holder.portal.replicaId);
    await holder.portal.close();
    const late = await challenge(other, 99);
    await chain.usdc.transfer(chain.payer, late.offers[0]!.payTo, 1_000_000n);
    transfers += 1;
    await mine(chain, 2);
    await waitForInvoice(other.portal.publicUrl, late.id, (v) => v.invoice.status === 'paid', 40_000);
    const after = await other.portal.db.query<{ lease_owner: string }>(
      `SELECT lease_owner FROM watcher_cursors WHERE network = 'anvil'`,
    );
    expect(after.rows[0]?.lease_owner).toBe(other.portal.replicaId);

    const db = other.portal.db;
    const payments = await db.query<{ n: string; distinct_keys: string }>(
      `SELECT count(*) AS n, count(DISTINCT (network, tx_hash, log_index)) AS distinct_keys FROM payments WHERE status = 'confirmed'`,
    );
    expect(Number(payments.rows[0]!.n)).toBe(transfers);
    expect(Number(payments.rows[0]!.distinct_keys)).toBe(transfers);
    const redemptions = await db.query<{ n: string }>('SELECT count(*) AS n FROM redemptions');
    expect(Number(redemptions.rows[0]!.n)).toBe(transfers);
    const totals = await db.query<{ received: string; amount: string }>(
      `SELECT received_atomic AS received, amount_atomic AS amount FROM invoice_offers`,
    );
    for (const row of totals.rows) expect(row.received).toBe(row.amount);
  });

  it('two scanners racing over the same range record each transfer once (cursor compare-and-set + unique key)', async () => {
    const url = await pg.createDatabase('race');
    const [db1, db2] = await Promise.all([openDatabase({ url }), openDatabase({ url })]);
    const core1 = await startCore(chain, { db: db1 });
    const core2 = await startCore(chain, { db: db2 });
    try {
      // The same owner name on both makes both hold the lease: the worst case of a lease that lapsed mid-scan.
      const w1 = core1.watcher({ owner: 'same' });
      const w2 = core2.watcher({ owner: 'same' });
      await w1.pass();
      const invoices = await Promise.all(
        Array.from({ length: 8 }, () => core1.createInvoice([{ symbol: 'USDC', amount: '1' }])),
      );
      for (const inv of invoices) await chain.usdc.transfer(chain.payer, inv.offers[0]!.payTo, 1_000_000n);
      await mine(chain, 2);
      for (let i = 0; i < 4; i++) await Promise.allSettled([w1.pass(), w2.pass()]);
      const rows = await db1.query<{ n: string }>('SELECT count(*) AS n FROM payments');
      expect(Number(rows.rows[0]!.n)).toBe(8);
      for (const inv of invoices) expect((await core2.invoice(inv.id)).status).toBe('paid');
      const redemptions = await db1.query<{ n: string }>('SELECT count(*) AS n FROM redemptions');
      expect(Number(redemptions.rows[0]!.n)).toBe(8);
    } finally {
      await core1.close();
      await core2.close();
      await db1.close();
      await db2.close();
    }
  });
});
