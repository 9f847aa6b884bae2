// The retention job as the portal runs it: started with the portal, on its interval, counted in
// /metrics by table.
import { randomBytes } from 'node:crypto';
import { startChain, type ChainFixture } from '../support/chain-fixture.js';
import { startPortal, type PortalFixture } from '../support/portal-fixture.js';

let chain: ChainFixture;
let p: PortalFixture;

beforeAll(async () => {
  chain = await startChain();
  p = await startPortal(chain, {
    extra: {
      watchers: { anvil: { rpcUrls: [chain.anvil.rpcUrl], pollIntervalMs: 50, lateGraceMs: '1s' } },
      retention: { graceMs: '2s', intervalMs: '1s', batchSize: 10 },
    },
  });
});
afterAll(async () => {
  await p?.close();
  await chain?.close();
});

it('deletes an invoice that expired longer ago than retention.graceMs and counts the rows in /metrics', async () => {
  const { db } = p.portal;
  const id = randomBytes(16).toString('base64url');
  await db.query(
    `INSERT INTO invoices (id, host, resource, original_uri, token_lifetime_ms, request_digest, status, expires_at)
     VALUES ($1, 'shop.test', '/p', '/p', 60000, 'd', 'expired', now() - interval '1 hour')`,
    [id],
  );
  await db.query(
    `INSERT INTO invoice_offers (invoice_id, network, asset_symbol, asset_kind, decimals, amount_atomic, pay_to)
     VALUES ($1, 'anvil', 'ETH', 'native', 18, 1, '0xretention')`,
    [id],
  );
  const deadline = Date.now() + 10_000;
  while ((await db.query('SELECT 1 FROM invoices WHERE id = $1', [id])).rows.length > 0) {
    if (Date.now() > deadline) throw new Error('retention did not delete the invoice');
    await new Promise((r) => setTimeout(r, 100));
  }
  const metrics = await (await fetch(`${p.portal.publicUrl}/metrics`)).text();
  expect(metrics).toMatch(/turnpike_portal_retention_deleted_rows_total\{table="invoices"\} 1\b/);
  expect(metrics).toMatch(/turnpike_portal_retention_deleted_rows_total\{table="invoice_offers"\} 1\b/);
  expect(metrics).toMatch(/turnpike_portal_retention_rounds_total\{outcome="done"\} \d+/);
});
