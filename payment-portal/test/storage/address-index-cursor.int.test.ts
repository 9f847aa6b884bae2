// The pay-page pool's derivation index (<xpub>/0/i) never moves back: retention deletes the
// receive addresses of expired invoices, and the next refill must not derive those indexes again
// (an address once given to a client is never given to another).
import { createAddressPool } from '../../src/addresses/address-pool.js';
import { createEvmAddressDeriver } from '../../src/addresses/derive-evm.js';
import {
  insertReceiveAddresses,
  migrate,
  receiveAddressPoolState,
  reserveReceiveAddressIndexes,
  type Database,
} from '../../src/storage/index.js';
import { DEV_XPUB } from '../support/chain-fixture.js';
import { pgHarness, pgliteHarness, type DriverHarness } from './drivers.js';

const harnesses: DriverHarness[] = [pgliteHarness(), pgHarness()];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});

const deriver = createEvmAddressDeriver(DEV_XPUB);

async function cursor(db: Database, walletId: string): Promise<number | undefined> {
  const { rows } = await db.query<{ next_index: string }>(
    'SELECT next_index FROM address_index_cursors WHERE wallet_id = $1 AND branch = 0',
    [walletId],
  );
  return rows[0] ? Number(rows[0].next_index) : undefined;
}

describe.each(harnesses.map((h) => [h.name, h] as const))('pool derivation index on %s', (_name, harness) => {
  let db: Database;
  beforeEach(async () => {
    db = await harness.open();
    await migrate(db);
  });

  it('is not reused after the addresses at the top of the range were deleted', async () => {
    const pool = createAddressPool({ db, deriver, lowWater: 5, batch: 10 });
    await pool.refill();
    const handedOut: string[] = [];
    for (;;) {
      const { rows } = await db.query<{ address: string }>(
        `UPDATE receive_addresses SET allocated_at = now()
         WHERE (wallet_id, derivation_index) = (SELECT wallet_id, derivation_index FROM receive_addresses
                                                WHERE wallet_id = $1 AND allocated_at IS NULL ORDER BY derivation_index LIMIT 1)
         RETURNING address`,
        [deriver.walletId],
      );
      if (rows.length === 0) break;
      handedOut.push(rows[0]!.address);
    }
    expect(handedOut.length).toBeGreaterThanOrEqual(10);
    // Retention deletes every one of them (their invoices expired unpaid).
    await db.query('DELETE FROM receive_addresses WHERE wallet_id = $1', [deriver.walletId]);

    await pool.refill();
    const { rows: fresh } = await db.query<{ derivation_index: number; address: string }>(
      'SELECT derivation_index, address FROM receive_addresses WHERE wallet_id = $1 ORDER BY derivation_index',
      [deriver.walletId],
    );
    expect(fresh.length).toBeGreaterThanOrEqual(10);
    expect(fresh[0]!.derivation_index).toBe(handedOut.length);
    expect(fresh.filter((r) => handedOut.includes(r.address))).toEqual([]);
    expect(await cursor(db, deriver.walletId)).toBe(fresh.at(-1)!.derivation_index + 1);
    expect((await receiveAddressPoolState(db, deriver.walletId)).nextIndex).toBe(
      fresh.at(-1)!.derivation_index + 1,
    );
    await pool.stop();
  });

  it('continues above rows that were derived before the cursor existed', async () => {
    await insertReceiveAddresses(
      db,
      'w-old',
      'evm',
      Array.from({ length: 50 }, (_, i) => ({ derivationIndex: i, address: `0xold${i}` })),
    );
    expect(await reserveReceiveAddressIndexes(db, 'w-old', 10)).toBe(50);
    expect(await reserveReceiveAddressIndexes(db, 'w-old', 10)).toBe(60);
    await db.query("DELETE FROM receive_addresses WHERE wallet_id = 'w-old'");
    expect(await reserveReceiveAddressIndexes(db, 'w-old', 5)).toBe(70);
    expect(await cursor(db, 'w-old')).toBe(75);
  });

  it('gives concurrent reservations (several replicas refilling) disjoint ranges', async () => {
    const firsts = await Promise.all(
      Array.from({ length: 20 }, () => reserveReceiveAddressIndexes(db, 'w-race', 7)),
    );
    expect([...firsts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 7));
    expect(await cursor(db, 'w-race')).toBe(140);
  });
});
