// Retention: expired invoices that nothing references are deleted after the grace, with their
// offers and receive addresses; the ledger (payments, redemptions) and every invoice it names stay.
import { randomBytes } from 'node:crypto';
import { RETENTION_LOCK, runRetentionRound } from '../../src/retention/index.js';
import { migrate, openDatabase, type Database } from '../../src/storage/index.js';
import { pgHarness, pgliteHarness, type DriverHarness } from '../storage/drivers.js';

const DAY_MS = 86_400_000;
const GRACE_MS = 8 * DAY_MS;
const WALLET = 'evm:retention-test';

const harnesses: DriverHarness[] = [pgliteHarness(), pgHarness()];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});

let seq = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/**
 * An invoice as the portal writes it: one EVM offer whose receive address came from the pool
 * (allocated to the invoice), expired `expiredDaysAgo` days ago (negative: still open).
 */
async function invoice(
  db: Database,
  opts: { expiredDaysAgo: number; status?: string; solana?: boolean },
): Promise<{ id: string; payTo: string; reference: string | null }> {
  const id = randomBytes(16).toString('base64url');
  const n = ++seq;
  const payTo = opts.solana ? 'So1anaWa11et1111111111111111111111111111111' : `0x${hex(n, 40)}`;
  const reference = opts.solana ? `Ref${hex(n, 6)}`.padEnd(43, '1').replace(/0/g, '2') : null;
  await db.query(
    `INSERT INTO invoices (id, host, resource, original_uri, token_lifetime_ms, request_digest, status, created_at, expires_at)
     VALUES ($1, 'shop.test', '/p', '/p', 60000, 'd', $2, now() - make_interval(days => $3 + 1), now() - make_interval(days => $3))`,
    [id, opts.status ?? (opts.expiredDaysAgo > 0 ? 'expired' : 'pending'), opts.expiredDaysAgo],
  );
  await db.query(
    `INSERT INTO invoice_offers (invoice_id, network, asset_symbol, asset_kind, asset_address, decimals, amount_atomic, pay_to, reference)
     VALUES ($1, $2, 'USDC', $3, 'token', 6, 1000000, $4, $5)`,
    [id, opts.solana ? 'solana-local' : 'anvil', opts.solana ? 'spl' : 'erc20', payTo, reference],
  );
  if (!opts.solana)
    await db.query(
      `INSERT INTO receive_addresses (wallet_id, network_family, derivation_index, address, allocated_at, invoice_id)
       VALUES ($1, 'evm', $2, $3, now(), $4)`,
      [WALLET, n, payTo, id],
    );
  return { id, payTo, reference };
}

async function payment(
  db: Database,
  to: { id: string; payTo: string; reference: string | null },
  opts: { linked: boolean; network?: string },
) {
  await db.query(
    `INSERT INTO payments (network, tx_hash, log_index, invoice_id, pay_to, asset, amount_atomic, status)
     VALUES ($1, $2, 0, $3, $4, 'token', 400000, 'confirmed')`,
    [opts.network ?? 'anvil', `0x${hex(++seq, 64)}`, opts.linked ? to.id : null, to.reference ?? to.payTo],
  );
}

const ids = async (db: Database): Promise<Set<string>> =>
  new Set((await db.query<{ id: string }>('SELECT id FROM invoices')).rows.map((r) => r.id));
const count = async (db: Database, table: string): Promise<number> =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

describe.each(harnesses.map((h) => [h.name, h] as const))('retention on %s', (_name, harness) => {
  let db: Database;
  beforeEach(async () => {
    db = await harness.open();
    await migrate(db);
  });

  it('deletes expired, unreferenced invoices past the grace with their offers and receive addresses; keeps the rest', async () => {
    const doomed = [
      await invoice(db, { expiredDaysAgo: 9 }),
      await invoice(db, { expiredDaysAgo: 30 }),
      await invoice(db, { expiredDaysAgo: 9, solana: true }),
    ];
    const kept = {
      withinGrace: await invoice(db, { expiredDaysAgo: 7 }),
      open: await invoice(db, { expiredDaysAgo: -1 }),
      paid: await invoice(db, { expiredDaysAgo: 30, status: 'paid' }),
      redeemed: await invoice(db, { expiredDaysAgo: 30, status: 'redeemed' }),
      underpaid: await invoice(db, { expiredDaysAgo: 30 }),
      paidByAddressOnly: await invoice(db, { expiredDaysAgo: 30 }),
      solanaPaid: await invoice(db, { expiredDaysAgo: 30, solana: true }),
      redemption: await invoice(db, { expiredDaysAgo: 30 }),
      challengeAddress: await invoice(db, { expiredDaysAgo: 30 }),
    };
    // Underpaid (a payment names the invoice), a payment recorded without the invoice id but to its
    // address, a Solana payment to its reference, a redemption, a credited challenge address.
    await payment(db, kept.underpaid, { linked: true });
    await payment(db, kept.paidByAddressOnly, { linked: false });
    await payment(db, kept.solanaPaid, { linked: false, network: 'solana-local' });
    await db.query(
      `INSERT INTO redemptions (network, tx_hash, log_index, invoice_id, asset, amount_atomic) VALUES ('anvil', '0xr', 0, $1, 'token', 1)`,
      [kept.redemption.id],
    );
    await db.query(
      `INSERT INTO challenge_addresses (wallet_id, derivation_index, address, invoice_id) VALUES ($1, 1, '0xc', $2)`,
      [WALLET, kept.challengeAddress.id],
    );
    // A free pool address is never retention's business.
    await db.query(
      `INSERT INTO receive_addresses (wallet_id, network_family, derivation_index, address) VALUES ($1, 'evm', 100000, '0xfree')`,
      [WALLET],
    );
    const ledger = { payments: await count(db, 'payments'), redemptions: await count(db, 'redemptions') };

    const round = await runRetentionRound(db, { graceMs: GRACE_MS, batchSize: 100 });
    expect(round).toEqual({
      skipped: false,
      batches: 1,
      deleted: { invoices: 3, offers: 3, receiveAddresses: 2 },
      x402: { siwxNonces: 0, paymentIdentifiers: 0 },
    });
    const left = await ids(db);
    for (const d of doomed) expect(left.has(d.id)).toBe(false);
    for (const [why, k] of Object.entries(kept))
      expect({ why, kept: left.has(k.id) }).toEqual({ why, kept: true });
    expect(await count(db, 'invoice_offers')).toBe(Object.keys(kept).length);
    const addresses = await db.query<{ address: string }>('SELECT address FROM receive_addresses');
    expect(addresses.rows.map((r) => r.address)).toEqual(expect.arrayContaining(['0xfree', kept.open.payTo]));
    for (const d of doomed) expect(addresses.rows.map((r) => r.address)).not.toContain(d.payTo);
    expect({ payments: await count(db, 'payments'), redemptions: await count(db, 'redemptions') }).toEqual(
      ledger,
    );
    // Nothing left to do.
    expect((await runRetentionRound(db, { graceMs: GRACE_MS, batchSize: 100 })).deleted.invoices).toBe(0);
  });

  it('deletes expired sign-in-with-x nonces and payment-identifier rows, keeps the unexpired ones', async () => {
    await db.query(
      `INSERT INTO siwx_nonces (nonce, address, expires_at) VALUES
         ('old-nonce', '0xa', now() - interval '1 minute'), ('live-nonce', '0xa', now() + interval '5 minutes')`,
    );
    await db.query(
      `INSERT INTO payment_identifiers (id, fingerprint, state, expires_at) VALUES
         ('pay_expired_0000000000', 'f', 'pending', now() - interval '1 second'),
         ('pay_live_0000000000000', 'f', 'pending', now() + interval '1 day')`,
    );
    const round = await runRetentionRound(db, { graceMs: GRACE_MS, batchSize: 100 });
    expect(round.x402).toEqual({ siwxNonces: 1, paymentIdentifiers: 1 });
    const nonces = await db.query<{ nonce: string }>('SELECT nonce FROM siwx_nonces');
    expect(nonces.rows).toEqual([{ nonce: 'live-nonce' }]);
    const rows = await db.query<{ id: string }>('SELECT id FROM payment_identifiers');
    expect(rows.rows).toEqual([{ id: 'pay_live_0000000000000' }]);
  });

  it('works through a backlog in batches of batchSize, each its own transaction', async () => {
    for (let i = 0; i < 25; i++) await invoice(db, { expiredDaysAgo: 10 + i });
    const round = await runRetentionRound(db, { graceMs: GRACE_MS, batchSize: 10 });
    expect(round).toMatchObject({ skipped: false, batches: 3, deleted: { invoices: 25, offers: 25 } });
    expect(await count(db, 'invoices')).toBe(0);
  });
});

describe('retention with several replicas (PostgreSQL)', () => {
  const harness = pgHarness();
  let db: Database;
  afterAll(() => harness.stop());
  beforeEach(async () => {
    db = await harness.open();
    await migrate(db);
  });

  it('skips the round while another replica holds the retention lock', async () => {
    await invoice(db, { expiredDaysAgo: 10 });
    const other = await openDatabase({ url: await connectionString(db), poolSize: 1 });
    try {
      await other.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [...RETENTION_LOCK]);
        expect(await runRetentionRound(db, { graceMs: GRACE_MS, batchSize: 10 })).toEqual({
          skipped: true,
          batches: 0,
          deleted: { invoices: 0, offers: 0, receiveAddresses: 0 },
          x402: { siwxNonces: 0, paymentIdentifiers: 0 },
        });
      });
    } finally {
      await other.close();
    }
    expect((await runRetentionRound(db, { graceMs: GRACE_MS, batchSize: 10 })).deleted.invoices).toBe(1);
  });

  it('two replicas running rounds at once delete each invoice once and all of them', async () => {
    for (let i = 0; i < 120; i++) await invoice(db, { expiredDaysAgo: 10 });
    const other = await openDatabase({ url: await connectionString(db), poolSize: 4 });
    try {
      const rounds = await Promise.all(
        [db, other, db, other].map((d) => runRetentionRound(d, { graceMs: GRACE_MS, batchSize: 7 })),
      );
      const deleted = rounds.reduce((n, r) => n + r.deleted.invoices, 0);
      // A skipped replica leaves its share to the one holding the lock; run again until done.
      let rest = 0;
      for (let i = 0; i < 5 && (await count(db, 'invoices')) > 0; i++)
        rest += (await runRetentionRound(other, { graceMs: GRACE_MS, batchSize: 50 })).deleted.invoices;
      expect(deleted + rest).toBe(120);
      expect(await count(db, 'invoices')).toBe(0);
      expect(await count(db, 'receive_addresses')).toBe(0);
    } finally {
      await other.close();
    }
  });
});

/** The connection string of the database `db` is connected to (from the server itself). */
async function connectionString(db: Database): Promise<string> {
  const { rows } = await db.query<{ db: string; port: number }>(
    "SELECT current_database() AS db, current_setting('port')::int AS port",
  );
  return `postgresql://turnpike@127.0.0.1:${rows[0]!.port}/${rows[0]!.db}`;
}
