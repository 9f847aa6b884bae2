import { REASONS } from '@turnpike/protocol';
import { x402Binding } from '../../src/ledger/index.js';
import { ProofRefusal } from '../../src/proofs/context.js';
import { creditSettlement, type SettledPayment } from '../../src/proofs/x402/credit-settlement.js';
import { startEvmStand, startProofCore, type EvmStand, type ProofCore } from './support/evm-proof-fixture.js';

/**
 * The one credit every x402 settlement (EIP-3009, Permit2, Solana) ends with, on the real ledger
 * (PGlite, migrated): a settlement is credited once; a copy of the same authorization settled
 * elsewhere meanwhile gets that grant; the same payment under another binding is refused.
 */
let stand: EvmStand;
let core: ProofCore;

beforeAll(async () => {
  stand = await startEvmStand();
  core = await startProofCore(stand);
});

afterAll(async () => {
  await core?.close();
  await stand?.close();
});

const from = '0x00000000000000000000000000000000000000a1';
let nonce = 0;
const bindingOf = () =>
  x402Binding('anvil', stand.usdc.address, from, `0x${(++nonce).toString(16).padStart(64, '0')}`, 's3cret');
const payment = (txByte: string): SettledPayment => ({
  network: 'anvil',
  txHash: `0x${txByte.repeat(64)}`,
  logIndex: 0,
  payer: from,
  payTo: '0x00000000000000000000000000000000000000b2',
  asset: stand.usdc.address.toLowerCase(),
  amountAtomic: 1_000_000n,
  blockNumber: 7n,
  blockHash: `0x${'c'.repeat(64)}`,
});

async function settleRequest() {
  const c = await core.challenge();
  return core.settleRequest(c.wire, { type: 'tx', network: 'anvil', tx: `0x${'0'.repeat(64)}` });
}

describe('creditSettlement', () => {
  it('credits a settlement once; a second settlement under the same binding gets the first grant', async () => {
    const request = await settleRequest();
    const binding = bindingOf();
    const until = new Date(Date.now() + 60_000);
    const first = await creditSettlement(core.pctx, request, binding, until, payment('1'));
    expect(first.payment).toEqual({ network: 'anvil', tx: `0x${'1'.repeat(64)}` });
    // Another replica credited the same authorization first: its grant is the answer.
    const again = await creditSettlement(core.pctx, request, binding, until, payment('2'));
    expect(again.jti).toBe(first.jti);
    expect(again.payment.tx).toBe(first.payment.tx);
    const rows = await core.db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM invoices WHERE binding = $1',
      [binding],
    );
    expect(rows.rows[0]!.n).toBe('1');
  });

  it('refuses the same payment under another binding (payment_already_redeemed), writing nothing', async () => {
    const request = await settleRequest();
    const until = new Date(Date.now() + 60_000);
    await creditSettlement(core.pctx, request, bindingOf(), until, payment('3'));
    const other = bindingOf();
    const refused = await creditSettlement(core.pctx, request, other, until, payment('3')).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ProofRefusal);
    expect((refused as ProofRefusal).code).toBe(REASONS.PAYMENT_ALREADY_REDEEMED);
    const rows = await core.db.query('SELECT 1 FROM invoices WHERE binding = $1', [other]);
    expect(rows.rows).toHaveLength(0);
  });
});
