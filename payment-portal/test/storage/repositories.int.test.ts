import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MIGRATIONS_DIR,
  StorageError,
  advanceCursor,
  acquireWatcherLease,
  allocateReceiveAddress,
  getCursor,
  insertReceiveAddresses,
  migrate,
  readMigrations,
  receiveAddressPoolState,
  redeemPayment,
  releaseWatcherLease,
  type Database,
  type RedeemPaymentInput,
} from '../../src/storage/index.js';
import { pgHarness, pgliteHarness, type DriverHarness } from './drivers.js';

const harnesses: DriverHarness[] = [pgliteHarness(), pgHarness()];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});

const TABLES = [
  'invoices',
  'invoice_offers',
  'payments',
  'receive_addresses',
  'redemptions',
  'schema_migrations',
  'watcher_cursors',
];

function redemption(overrides: Partial<RedeemPaymentInput> = {}): RedeemPaymentInput {
  return {
    network: 'anvil',
    txHash: '0x' + 'ab'.repeat(32),
    logIndex: 3,
    payer: '0x' + '11'.repeat(20),
    asset: '0x' + '22'.repeat(20),
    amountAtomic: 1_500_000n,
    blockNumber: 12n,
    blockHash: '0x' + 'cd'.repeat(32),
    ...overrides,
  };
}

function addresses(count: number, from = 0): Array<{ derivationIndex: number; address: string }> {
  return Array.from({ length: count }, (_, i) => ({
    derivationIndex: from + i,
    address: `0x${(from + i).toString(16).padStart(40, '0')}`,
  }));
}

describe.each(harnesses.map((h) => [h.name, h] as const))('storage on %s', (_name, harness) => {
  let db: Database;
  beforeAll(async () => {
    db = await harness.open();
    await migrate(db);
  });

  describe('migrations', () => {
    it('create every table and record each file once with its checksum', async () => {
      const { rows } = await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      // Later migrations (0002+) add tables of their own; 0001's must all be there.
      expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(TABLES));
      const files = await readMigrations();
      const recorded = await db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
        'SELECT * FROM schema_migrations ORDER BY version',
      );
      expect(recorded.rows.map((r) => [r.version, r.name, r.checksum])).toEqual(
        files.map((f) => [f.version, f.name, f.checksum]),
      );
      expect(recorded.rows[0]?.applied_at).toBeInstanceOf(Date);
    });

    it('are idempotent: a second run applies nothing', async () => {
      const again = await migrate(db);
      expect(again.applied).toEqual([]);
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
      expect(Number(rows[0]?.n)).toBe((await readMigrations()).length);
    });

    it('refuse an applied migration whose file changed, and roll back a failing one', async () => {
      const fresh = await harness.open();
      const dir = await mkdtemp(join(tmpdir(), 'turnpike-migrations-'));
      try {
        await cp(MIGRATIONS_DIR, dir, { recursive: true });
        await writeFile(join(dir, '0900_extra.sql'), 'CREATE TABLE extra (id int PRIMARY KEY);\n');
        expect((await migrate(fresh, { dir })).applied).toContain(900);
        await writeFile(join(dir, '0900_extra.sql'), 'CREATE TABLE extra (id bigint PRIMARY KEY);\n');
        await expect(migrate(fresh, { dir })).rejects.toMatchObject({
          code: 'migration_failed',
          message: expect.stringContaining('checksum'),
        });

        await writeFile(join(dir, '0900_extra.sql'), 'CREATE TABLE extra (id int PRIMARY KEY);\n');
        await writeFile(
          join(dir, '0901_broken.sql'),
          'CREATE TABLE half (id int);\nSELECT no_such_function();\n',
        );
        await expect(migrate(fresh, { dir })).rejects.toMatchObject({ code: 'migration_failed' });
        const half = await fresh.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
        expect(half.rowCount).toBe(0);
        const versions = await fresh.query<{ version: number }>(
          'SELECT version FROM schema_migrations WHERE version >= 900',
        );
        expect(versions.rows.map((r) => r.version)).toEqual([900]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('types', () => {
    it('return bigint and numeric(78,0) as decimal strings, timestamps as Date, jsonb parsed', async () => {
      const big = (2n ** 256n - 1n).toString();
      const { rows } = await db.query<{ a: unknown; b: unknown; c: unknown; d: unknown; e: unknown }>(
        'SELECT $1::numeric(78,0) AS a, 9007199254740993::bigint AS b, now() AS c, \'{"x":[1]}\'::jsonb AS d, 7::int AS e',
        [big],
      );
      expect(rows[0]).toEqual({ a: big, b: '9007199254740993', c: expect.any(Date), d: { x: [1] }, e: 7 });
    });
  });

  describe('transactions', () => {
    it('commit on success and roll back on a throw', async () => {
      await db.transaction(async (tx) => {
        await tx.query("INSERT INTO watcher_cursors (network, last_block) VALUES ('tx-commit', 1)");
      });
      await expect(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO watcher_cursors (network, last_block) VALUES ('tx-rollback', 1)");
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await db.query<{ network: string }>(
        "SELECT network FROM watcher_cursors WHERE network LIKE 'tx-%' ORDER BY network",
      );
      expect(rows.map((r) => r.network)).toEqual(['tx-commit']);
    });

    it("rethrow the caller's own error unchanged, and a driver error as a StorageError", async () => {
      class CallerError extends Error {
        readonly code = 'payment_underpaid';
      }
      const own = new CallerError('left to pay');
      await expect(db.transaction(async () => Promise.reject(own))).rejects.toBe(own);
      await expect(
        db.transaction(async (tx) => {
          await tx.query('SELECT * FROM no_such_table');
        }),
      ).rejects.toBeInstanceOf(StorageError);
    });

    it('run concurrent read-modify-write transactions without losing an update', async () => {
      await db.query("INSERT INTO watcher_cursors (network, last_block) VALUES ('counter', 0)");
      await Promise.all(
        Array.from({ length: 20 }, () =>
          db.transaction(async (tx) => {
            const { rows } = await tx.query<{ last_block: string }>(
              "SELECT last_block FROM watcher_cursors WHERE network = 'counter' FOR UPDATE",
            );
            await new Promise((r) => setTimeout(r, 2));
            await tx.query("UPDATE watcher_cursors SET last_block = $1 WHERE network = 'counter'", [
              (BigInt(rows[0]?.last_block ?? '0') + 1n).toString(),
            ]);
          }),
        ),
      );
      expect((await getCursor(db, 'counter'))?.lastBlock).toBe(20n);
    });

    it('map a unique violation to StorageError unique_violation', async () => {
      await insertReceiveAddresses(db, 'dup-wallet', 'evm', [{ derivationIndex: 0, address: '0xdup' }]);
      const err = await insertReceiveAddresses(db, 'other-wallet', 'evm', [
        { derivationIndex: 0, address: '0xdup' },
      ]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(err).toMatchObject({
        code: 'unique_violation',
        sqlState: '23505',
        constraint: 'receive_addresses_address_key',
      });
    });
  });

  describe('redeemPayment', () => {
    it('credits a (network, tx, log index) once; other log indexes and networks are separate', async () => {
      const first = await redeemPayment(db, redemption());
      expect(first).toEqual({ ok: true, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(await redeemPayment(db, redemption({ amountAtomic: 1n }))).toEqual({
        ok: false,
        reason: 'payment_already_redeemed',
      });
      expect((await redeemPayment(db, redemption({ logIndex: 4 }))).ok).toBe(true);
      expect((await redeemPayment(db, redemption({ logIndex: -1 }))).ok).toBe(true);
      expect((await redeemPayment(db, redemption({ network: 'base' }))).ok).toBe(true);
      const { rows } = await db.query<{ amount_atomic: string; block_number: string }>(
        'SELECT amount_atomic, block_number FROM redemptions WHERE network = $1 AND log_index = 3',
        ['anvil'],
      );
      expect(rows).toEqual([{ amount_atomic: '1500000', block_number: '12' }]);
    });

    it('of 100 concurrent attempts on one payment, exactly one succeeds', async () => {
      const input = redemption({ txHash: '0x' + 'ef'.repeat(32) });
      const results = await Promise.all(Array.from({ length: 100 }, () => redeemPayment(db, input)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'payment_already_redeemed')).toHaveLength(99);
      const { rows } = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM redemptions WHERE tx_hash = $1',
        [input.txHash],
      );
      expect(rows[0]?.n).toBe('1');
    });
  });

  describe('receive addresses', () => {
    it('allocate the lowest free index first, never twice, and null when exhausted', async () => {
      expect(await insertReceiveAddresses(db, 'w1', 'evm', addresses(3))).toBe(3);
      expect(await insertReceiveAddresses(db, 'w1', 'evm', addresses(3))).toBe(0);
      expect(await receiveAddressPoolState(db, 'w1')).toEqual({ nextIndex: 3, free: 3 });
      const got = [
        await allocateReceiveAddress(db, 'w1'),
        await allocateReceiveAddress(db, 'w1'),
        await allocateReceiveAddress(db, 'w1'),
      ];
      expect(got).toEqual(addresses(3).map((a) => a.address));
      expect(await allocateReceiveAddress(db, 'w1')).toBeNull();
      expect(await allocateReceiveAddress(db, 'no-such-wallet')).toBeNull();
      expect(await receiveAddressPoolState(db, 'w1')).toEqual({ nextIndex: 3, free: 0 });
    });

    it('bind the address to an invoice when given', async () => {
      await db.query(
        `INSERT INTO invoices (id, host, resource, original_uri, token_lifetime_ms, request_digest, expires_at)
         VALUES ('inv-1', 'shop.example', '/premium', '/premium/a', 3600000, 'digest', now() + interval '15 minutes')`,
      );
      await insertReceiveAddresses(db, 'w2', 'solana', [{ derivationIndex: 0, address: 'So1anaAddr' }]);
      expect(await allocateReceiveAddress(db, 'w2', 'inv-1')).toBe('So1anaAddr');
      const { rows } = await db.query<{ invoice_id: string; allocated_at: Date }>(
        "SELECT invoice_id, allocated_at FROM receive_addresses WHERE wallet_id = 'w2'",
      );
      expect(rows[0]).toEqual({ invoice_id: 'inv-1', allocated_at: expect.any(Date) });
    });

    it('give 50 concurrent allocations 50 distinct addresses', async () => {
      await insertReceiveAddresses(db, 'w-concurrent', 'evm', addresses(60, 1000));
      const got = await Promise.all(
        Array.from({ length: 50 }, () => allocateReceiveAddress(db, 'w-concurrent')),
      );
      expect(got.every((a) => typeof a === 'string')).toBe(true);
      expect(new Set(got).size).toBe(50);
      expect((await receiveAddressPoolState(db, 'w-concurrent')).free).toBe(10);
    });
  });

  describe('watcher cursors', () => {
    it('advance by compare-and-set only', async () => {
      expect(await getCursor(db, 'base')).toBeNull();
      expect(
        await advanceCursor(db, { network: 'base', expectedBlock: null, toBlock: 100n, toBlockHash: '0xa' }),
      ).toBe(true);
      expect(await advanceCursor(db, { network: 'base', expectedBlock: null, toBlock: 50n })).toBe(false);
      expect(
        await advanceCursor(db, { network: 'base', expectedBlock: 100n, toBlock: 110n, toBlockHash: '0xb' }),
      ).toBe(true);
      expect(await advanceCursor(db, { network: 'base', expectedBlock: 100n, toBlock: 120n })).toBe(false);
      expect(await getCursor(db, 'base')).toMatchObject({
        network: 'base',
        lastBlock: 110n,
        lastBlockHash: '0xb',
        updatedAt: expect.any(Date),
      });
    });

    it('let one of two concurrent advances from the same block win', async () => {
      await advanceCursor(db, { network: 'race', expectedBlock: null, toBlock: 1n });
      const results = await Promise.all(
        [2n, 3n, 4n, 5n].map((to) => advanceCursor(db, { network: 'race', expectedBlock: 1n, toBlock: to })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('hand the scan lease to one owner until it is released or expires', async () => {
      await advanceCursor(db, { network: 'leased', expectedBlock: null, toBlock: 1n });
      expect(await acquireWatcherLease(db, 'leased', 'replica-a', 60_000)).toBe(true);
      expect(await acquireWatcherLease(db, 'leased', 'replica-b', 60_000)).toBe(false);
      expect(await acquireWatcherLease(db, 'leased', 'replica-a', 60_000)).toBe(true);
      await releaseWatcherLease(db, 'leased', 'replica-a');
      expect(await acquireWatcherLease(db, 'leased', 'replica-b', 1)).toBe(true);
      await db.query(
        "UPDATE watcher_cursors SET lease_expires_at = now() - interval '1 second' WHERE network = 'leased'",
      );
      expect(await acquireWatcherLease(db, 'leased', 'replica-a', 60_000)).toBe(true);
      expect((await getCursor(db, 'leased'))?.leaseOwner).toBe('replica-a');
    });
  });
});
