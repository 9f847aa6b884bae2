import { createInvoice } from '../../src/invoices/create-invoice.js';
import { getInvoice } from '../../src/invoices/get-invoice.js';
import { expireInvoices, refreshInvoicesForAddresses } from '../../src/invoices/refresh-invoices.js';
import { createNetworkRegistry, localAnvilNetwork, type PaymentRequest } from '@turnpike/protocol';
import { createAddressPool } from '../../src/addresses/address-pool.js';
import { createEvmAddressDeriver } from '../../src/addresses/derive-evm.js';
import { migrate, openDatabase, type Database } from '../../src/storage/index.js';
import { DEV_XPUB } from '../support/chain-fixture.js';

// The invoice state machine on its own: payments are written as a watcher would write them.
const USDC = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const registry = createNetworkRegistry({ anvil: localAnvilNetwork({ usdcAddress: USDC, confirmations: 2 }) });
let db: Database;
let seq = 0;

beforeAll(async () => {
  db = await openDatabase({ memory: true });
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
});

async function newInvoice(expiryMinutes = 30) {
  const pool = createAddressPool({ db, deriver: createEvmAddressDeriver(DEV_XPUB), lowWater: 2, batch: 10 });
  const request: PaymentRequest = {
    claims: {},
    tokenLifetimeMs: 60_000,
    offers: [{ network: 'anvil', asset: registry.asset('anvil', 'USDC'), amount: '1', atomic: 1_000_000n }],
    customization: {},
  };
  const invoice = await createInvoice(
    {
      db,
      registry,
      evmPool: pool,
      watchedNetworks: new Set(['anvil']),
      expiryMinutes,
      rateLimitPerMinutePerIp: 1_000,
    },
    {
      target: { host: 'shop.test', scheme: 'https', resource: '/p', originalUri: '/p' },
      request,
      clientIp: null,
      source: 'pay_page',
    },
  );
  await pool.stop();
  return invoice;
}

async function pay(
  payTo: string,
  amount: bigint,
  status: 'seen' | 'confirmed' | 'reorged',
  asset = USDC.toLowerCase(),
) {
  await db.query(
    `INSERT INTO payments (network, tx_hash, log_index, pay_to, asset, amount_atomic, block_number, block_hash, status)
     VALUES ('anvil', $1, 0, $2, $3, $4, 1, '0x00', $5)`,
    [`0x${(++seq).toString(16).padStart(64, '0')}`, payTo, asset, amount.toString(), status],
  );
}

const status = async (id: string) => (await getInvoice(db, id))!.status;

describe('invoice state machine', () => {
  it('moves pending → seen → confirming → paid, and a reorg moves it back only until paid', async () => {
    const inv = await newInvoice();
    const payTo = inv.offers[0]!.payTo;
    await pay(payTo, 400_000n, 'seen');
    await refreshInvoicesForAddresses(db, 'anvil', [payTo]);
    expect(await status(inv.id)).toBe('seen');
    await pay(payTo, 600_000n, 'seen');
    await refreshInvoicesForAddresses(db, 'anvil', [payTo]);
    expect(await status(inv.id)).toBe('confirming');
    // A reorg drops the second transfer: back to seen.
    await db.query(`UPDATE payments SET status = 'reorged' WHERE pay_to = $1 AND amount_atomic = 600000`, [
      payTo,
    ]);
    await refreshInvoicesForAddresses(db, 'anvil', [payTo]);
    expect(await status(inv.id)).toBe('seen');
    await db.query(`UPDATE payments SET status = 'confirmed' WHERE pay_to = $1 AND status = 'seen'`, [payTo]);
    await pay(payTo, 700_000n, 'confirmed');
    await refreshInvoicesForAddresses(db, 'anvil', [payTo]);
    expect(await status(inv.id)).toBe('paid');
    // Paid is final, whatever happens to its payments afterwards.
    await db.query(`UPDATE payments SET status = 'reorged' WHERE pay_to = $1`, [payTo]);
    await refreshInvoicesForAddresses(db, 'anvil', [payTo]);
    expect(await status(inv.id)).toBe('paid');
    const redemptions = await db.query('SELECT 1 FROM redemptions WHERE invoice_id = $1', [inv.id]);
    expect(redemptions.rowCount).toBe(2);
  });

  it('does not count another asset sent to the address', async () => {
    const inv = await newInvoice();
    const payTo = inv.offers[0]!.payTo;
    await pay(payTo, 5_000_000n, 'confirmed', 'native');
    await refreshInvoicesForAddresses(db, 'anvil', [payTo]);
    expect(await status(inv.id)).toBe('pending');
  });

  it('expires pending and seen invoices, never one already confirming', async () => {
    const [pending, seen, confirming] = [await newInvoice(), await newInvoice(), await newInvoice()];
    await pay(seen.offers[0]!.payTo, 1n, 'seen');
    await pay(confirming.offers[0]!.payTo, 1_000_000n, 'seen');
    await refreshInvoicesForAddresses(db, 'anvil', [seen.offers[0]!.payTo, confirming.offers[0]!.payTo]);
    await db.query(
      `UPDATE invoices SET expires_at = now() - interval '1 second' WHERE id = ANY($1::text[])`,
      [[pending.id, seen.id, confirming.id]],
    );
    const expired = await expireInvoices(db);
    expect(expired.sort()).toEqual([pending.id, seen.id].sort());
    expect(await status(confirming.id)).toBe('confirming');
  });

  it('concurrent refreshes of one invoice apply each transition once', async () => {
    const inv = await newInvoice();
    const payTo = inv.offers[0]!.payTo;
    await pay(payTo, 1_000_000n, 'confirmed');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => refreshInvoicesForAddresses(db, 'anvil', [payTo])),
    );
    const transitions = results.flatMap((r) => r.changed).filter((c) => c.id === inv.id);
    expect(transitions).toEqual([{ id: inv.id, status: 'paid' }]);
  });
});
