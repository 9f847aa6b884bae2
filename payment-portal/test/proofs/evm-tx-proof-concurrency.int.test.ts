import { decodeJwt } from 'jose';
import type { SettleResponse } from '@turnpike/protocol';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { createProofHandlers, proofsConfigSchema } from '../../src/proofs/index.js';
import { openDatabase, redeemPayment } from '../../src/storage/index.js';
import {
  DEFAULT_REQUEST,
  startEvmStand,
  startProofCore,
  tokenTransfer,
  unbound,
  type EvmStand,
} from './support/evm-proof-fixture.js';

let stand: EvmStand;
let postgres: TestPostgres;

beforeAll(async () => {
  [stand, postgres] = await Promise.all([startEvmStand(), startPostgres()]);
});

afterAll(async () => {
  await stand?.close();
  await postgres?.stop();
});

const drivers = [
  // 100 presentations queue for 10 connections: what is tested is the outcome, not how fast the
  // queue drains, so a loaded machine (the whole suite on 2 cores) must not fail it on the pool's
  // default 5 s wait for a connection.
  [
    'PostgreSQL',
    async () =>
      openDatabase({ url: await postgres.createDatabase(), poolSize: 10, connectTimeoutMs: 60_000 }),
  ],
  ['PGlite', async () => openDatabase({ memory: true })],
] as const;

/** The jti of every answer (a refusal shows as its reason). */
const jtis = (answers: SettleResponse[]) =>
  answers.map((a) => (a.ok ? String(decodeJwt(a.token).jti) : `refused ${a.reason}`));

describe.each(drivers)('one transaction presented 100 times at once (%s)', (_name, open) => {
  it('credits it exactly once; every presentation with its challenge gets the one grant', async () => {
    const db = await open();
    const core = await startProofCore(stand, { db });
    try {
      const verify = createProofHandlers({ config: await proofsConfigSchema.parseAsync({}) }).tx!;
      const c = await core.challenge();
      const tx = await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n);
      const request = core.settleRequest(c.wire, { type: 'tx', network: 'anvil', tx, challenge: c.id });
      const answers: SettleResponse[] = await Promise.all(
        Array.from({ length: 100 }, () => verify(request, core.pctx)),
      );
      const granted = jtis(answers);
      expect(new Set(granted).size).toBe(1);
      expect(granted[0]).not.toMatch(/^refused/);
      const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM redemptions WHERE tx_hash = $1', [
        tx.toLowerCase(),
      ]);
      expect(Number(rows.rows[0]?.n)).toBe(1);
      const invoices = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM invoices WHERE binding = $1',
        [`challenge:${c.claims.id}`],
      );
      expect(Number(invoices.rows[0]?.n)).toBe(1);
    } finally {
      await core.close();
      await db.close();
    }
  });

  it("hands the grant of a payment the watcher already credited to a recorded challenge's presenters, one grant", async () => {
    const db = await open();
    const core = await startProofCore(stand, { db });
    try {
      const verify = createProofHandlers({ config: await proofsConfigSchema.parseAsync({}) }).tx!;
      const { invoice, wire, usdcPayTo } = await core.invoice({ json: unbound(DEFAULT_REQUEST) });
      const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
      const receipt = (await stand.anvil.rpc('eth_getTransactionReceipt', [tx])) as {
        logs: Array<{ logIndex: string }>;
      };
      await redeemPayment(db, {
        network: 'anvil',
        txHash: tx.toLowerCase(),
        logIndex: Number(receipt.logs[0]!.logIndex),
        invoiceId: invoice.id,
        asset: stand.usdc.address.toLowerCase(),
        amountAtomic: 1_000_000n,
      });
      const request = core.settleRequest(wire, { type: 'tx', network: 'anvil', tx, challenge: invoice.id });
      const answers: SettleResponse[] = await Promise.all(
        Array.from({ length: 100 }, () => verify(request, core.pctx)),
      );
      const granted = jtis(answers);
      expect(new Set(granted).size).toBe(1);
      expect(granted[0]).not.toMatch(/^refused/);
    } finally {
      await core.close();
      await db.close();
    }
  });
});
