import { REASONS, type SettleResponse } from '@turnpike/protocol';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';
import { createProofHandlers, proofsConfigSchema } from '../../src/proofs/index.js';
import { openDatabase, redeemPayment } from '../../src/storage/index.js';
import { startEvmStand, startProofCore, tokenTransfer, type EvmStand } from './support/evm-proof-fixture.js';

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
  ['PostgreSQL', async () => openDatabase({ url: await postgres.createDatabase(), poolSize: 10 })],
  ['PGlite', async () => openDatabase({ memory: true })],
] as const;

describe.each(drivers)('one transaction presented 100 times at once (%s)', (_name, open) => {
  it('credits exactly one and refuses the rest as already redeemed', async () => {
    const db = await open();
    const core = await startProofCore(stand, { db });
    try {
      const verify = createProofHandlers({ config: await proofsConfigSchema.parseAsync({}) }).tx!;
      const { invoice, wire, usdcPayTo } = await core.invoice();
      const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
      const request = core.settleRequest(wire, { type: 'tx', network: 'anvil', tx });
      const answers: SettleResponse[] = await Promise.all(
        Array.from({ length: 100 }, () => verify(request, core.pctx)),
      );
      expect(answers.filter((a) => a.ok)).toHaveLength(1);
      expect(answers.filter((a) => !a.ok).map((a) => (a.ok ? '' : a.reason))).toEqual(
        Array(99).fill(REASONS.PAYMENT_ALREADY_REDEEMED),
      );
      const rows = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM redemptions WHERE invoice_id = $1',
        [invoice.id],
      );
      expect(Number(rows.rows[0]?.n)).toBe(1);
    } finally {
      await core.close();
      await db.close();
    }
  });
  it('hands the grant of a payment the watcher already credited to exactly one of them', async () => {
    const db = await open();
    const core = await startProofCore(stand, { db });
    try {
      const verify = createProofHandlers({ config: await proofsConfigSchema.parseAsync({}) }).tx!;
      const { invoice, wire, usdcPayTo } = await core.invoice();
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
      const request = core.settleRequest(wire, { type: 'tx', network: 'anvil', tx });
      const answers: SettleResponse[] = await Promise.all(
        Array.from({ length: 100 }, () => verify(request, core.pctx)),
      );
      expect(answers.filter((a) => a.ok)).toHaveLength(1);
      expect(answers.filter((a) => !a.ok && a.reason === REASONS.PAYMENT_ALREADY_REDEEMED)).toHaveLength(99);
    } finally {
      await core.close();
      await db.close();
    }
  });
});
