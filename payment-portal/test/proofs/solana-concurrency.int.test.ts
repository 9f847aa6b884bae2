import { decodeJwt } from 'jose';
import { type SolanaNetwork } from '@turnpike/protocol';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { createSolanaRpcClient, verifySolanaTxProof } from '../../src/proofs/solana/index.js';
import { createSolanaWatcher } from '../../src/watchers/solana/index.js';
import { invoiceState, NETWORK, quiet, startSolanaFixture, type SolanaFixture } from './solana-fixture.js';

// On a real PostgreSQL (PGlite runs one backend and would serialise everything anyway): the
// invoice row lock and the unique (network, tx, log index) key decide, not the order of reads.
describe('Solana tx proofs on PostgreSQL, concurrently', () => {
  let pg: TestPostgres;
  let f: SolanaFixture;
  beforeAll(async () => {
    pg = await startPostgres();
    f = await startSolanaFixture({ databaseUrl: await pg.createDatabase('solana_concurrency') });
  });
  afterAll(async () => {
    await f?.close();
    await pg?.stop();
  });

  it('100 concurrent settles of one signature credit it once and all get the one grant', async () => {
    const inv = await f.createInvoice();
    const sig = await f.payUsdc(inv.reference);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => verifySolanaTxProof(f.deps, inv.settle(sig))),
    );
    expect(new Set(answers.map((a) => (a.ok ? String(decodeJwt(a.token).jti) : a.reason))).size).toBe(1);
    expect(answers.every((a) => a.ok)).toBe(true);
    const rows = await f.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM redemptions WHERE network = $1 AND tx_hash = $2',
      [NETWORK, sig],
    );
    expect(rows.rows[0]?.n).toBe('1');
    expect((await invoiceState(f.db, inv.id)).status).toBe('redeemed');
  });

  it('a watcher pass racing settles still records the payment once and issues one token', async () => {
    const inv = await f.createInvoice();
    const sig = await f.payUsdc(inv.reference);
    const network = f.registry.require(NETWORK) as SolanaNetwork;
    const w = createSolanaWatcher({
      db: f.db,
      network,
      rpc: createSolanaRpcClient({ urls: [f.front.url], timeoutMs: 5_000 }),
      pollIntervalMs: 50,
      lateGraceMs: 60_000,
      owner: 'race',
      logger: quiet,
    });
    const [, ...answers] = await Promise.all([
      w.pass(),
      ...Array.from({ length: 20 }, () => verifySolanaTxProof(f.deps, inv.settle(sig))),
    ]);
    await w.stop();
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(new Set(answers.map((a) => (a.ok ? String(decodeJwt(a.token).jti) : a.reason))).size).toBe(1);
    const payments = await f.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM payments WHERE network = $1 AND tx_hash = $2',
      [NETWORK, sig],
    );
    expect(payments.rows[0]?.n).toBe('1');
    expect(await invoiceState(f.db, inv.id)).toMatchObject({ status: 'redeemed', received: 1_500_000n });
  });
});
