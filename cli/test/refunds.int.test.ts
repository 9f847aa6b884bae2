// Refunds end to end on real PostgreSQL, anvil and Circle's USDC: payments the portal's own watcher
// recorded (an overpayment in USDC, one in ETH, an underpayment to an invoice that then expired),
// listed by `turnpike refunds list`, planned by `turnpike sweep plan --refunds`, signed offline by
// `turnpike sweep sign`, broadcast: each payer gets exactly what it is owed, the rest is swept.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getAddress, HDNodeWallet, Wallet } from 'ethers';
import type { InvoiceRecord, Refund } from '@turnpike/payment-portal';
import { expireInvoices } from '../../payment-portal/src/invoices/refresh-invoices.js';
import { mine } from '../../payment-portal/test/support/chain-fixture.js';
import { DEV_MNEMONIC, jsonRpc, sendNative, waitForReceipt } from '../../tests/support/anvil.js';
import type { SweepPlan } from '../src/lib/sweep-plan-schema.js';
import { USDC_PAID_ATOMIC, startLedger, type Ledger } from './support/ledger-fixture.js';
import { turnpike } from './support/run-turnpike.js';

const USDC_OVERPAID = 1_250_000n; // to an invoice of 1 USDC: 0.25 owed back
const USDC_UNDERPAID = 500_000n; // to an invoice of 2 USDC that then expires: all of it owed back
const ETH_OVERPAID = 1_500_000_000_000_000n; // 0.0015 ETH to an invoice of 0.001 ETH: 0.0005 owed

interface Signed {
  transactions: Array<{
    from: string;
    to: string;
    raw: string;
    hash: string;
    needsGas: boolean;
    gasShortfallWei: string;
    refund: { invoiceId: string; to: string } | null;
  }>;
}

describe('turnpike refunds list / sweep plan --refunds (real PostgreSQL, anvil, Circle USDC)', () => {
  let ledger: Ledger;
  let env: NodeJS.ProcessEnv;
  let overpaid: InvoiceRecord;
  let underpaid: InvoiceRecord;
  let ethOverpaid: InvoiceRecord;
  /** Offers 1 USDC or 0.001 ETH; the payer sends both: the USDC paid it, the ETH is owed back whole. */
  let paidTwice: InvoiceRecord;
  const destination = Wallet.createRandom().address;

  beforeAll(async () => {
    ledger = await startLedger();
    env = { DATABASE_URL: ledger.databaseUrl };
    const { core, chain } = ledger;
    overpaid = await core.createInvoice([{ symbol: 'USDC', amount: '1' }]);
    underpaid = await core.createInvoice([{ symbol: 'USDC', amount: '2' }]);
    ethOverpaid = await core.createInvoice([{ amount: '0.001' }]);
    paidTwice = await core.createInvoice([{ symbol: 'USDC', amount: '1' }, { amount: '0.001' }]);
    await chain.usdc.transfer(chain.payer, overpaid.offers[0]!.payTo, USDC_OVERPAID);
    await chain.usdc.transfer(chain.payer, underpaid.offers[0]!.payTo, USDC_UNDERPAID);
    await sendNative(chain.anvil.rpcUrl, chain.payer, ethOverpaid.offers[0]!.payTo, ETH_OVERPAID);
    await chain.usdc.transfer(chain.payer, paidTwice.offers[0]!.payTo, 1_000_000n);
    await sendNative(chain.anvil.rpcUrl, chain.payer, paidTwice.offers[1]!.payTo, 10n ** 15n);
    await mine(chain, 3);
    const watcher = core.watcher();
    await watcher.pass();
    // The underpaid invoice runs out of time, as the expiry sweep would find it.
    await core.db.query(`UPDATE invoices SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      underpaid.id,
    ]);
    expect(await expireInvoices(core.db, [underpaid.id])).toEqual([underpaid.id]);
  }, 120_000);
  afterAll(() => ledger?.close());

  it('lists a payment to an expired invoice only once the late grace is over (a top-up could still credit it)', async () => {
    const args = ['refunds', 'list', '--json', '--portal-config', ledger.portalConfigFile];
    const within = (await turnpike(args, { env })).json<{ refunds: Refund[] }>().refunds;
    expect(within.map((r) => r.invoiceId).sort()).toEqual([overpaid.id, ethOverpaid.id, paidTwice.id].sort());
    // Past the default one-day lateGraceMs.
    await ledger.core.db.query(`UPDATE invoices SET expires_at = now() - interval '25 hours' WHERE id = $1`, [
      underpaid.id,
    ]);
    const after = (await turnpike(args, { env })).json<{ refunds: Refund[] }>().refunds;
    expect(after.map((r) => r.invoiceId)).toContain(underpaid.id);
  });

  it('lists what is owed, to whom, from which receive address and path (and nothing for exact payments)', async () => {
    const run = await turnpike(['refunds', 'list', '--json', '--portal-config', ledger.portalConfigFile], {
      env,
    });
    expect(run.code).toBe(0);
    const { refunds } = run.json<{ refunds: Refund[] }>();
    const byInvoice = new Map(refunds.map((r) => [r.invoiceId, r]));
    expect([...byInvoice.keys()].sort()).toEqual(
      [overpaid.id, underpaid.id, ethOverpaid.id, paidTwice.id].sort(),
    );
    // Paid on both offers: the first fully paid offer (USDC, exact) bought it; the ETH goes back whole.
    expect(refunds.filter((r) => r.invoiceId === paidTwice.id)).toEqual([
      expect.objectContaining({
        kind: 'overpaid',
        symbol: 'ETH',
        amount: '0.001',
        askedAtomic: (10n ** 15n).toString(),
      }),
    ]);
    expect(byInvoice.get(overpaid.id)).toMatchObject({
      kind: 'overpaid',
      symbol: 'USDC',
      amountAtomic: '250000',
      amount: '0.25',
      askedAtomic: '1000000',
      confirmedAtomic: USDC_OVERPAID.toString(),
      invoiceStatus: 'paid',
    });
    expect(byInvoice.get(underpaid.id)).toMatchObject({
      kind: 'expired_unpaid',
      amountAtomic: USDC_UNDERPAID.toString(),
      amount: '0.5',
      invoiceStatus: 'expired',
    });
    expect(byInvoice.get(ethOverpaid.id)).toMatchObject({
      kind: 'overpaid',
      symbol: 'ETH',
      amount: '0.0005',
    });
    for (const r of refunds) {
      expect(getAddress(r.to!)).toBe(getAddress(ledger.chain.payer));
      expect(r.payers).toHaveLength(1);
      expect(r.payments).toHaveLength(1);
      // The path is the wallet's own: the key at it controls the address holding the money.
      expect(r.from.path).toMatch(/^0\/\d+$/);
      const key = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/1'/${r.from.path}`);
      expect(key.address.toLowerCase()).toBe(r.from.address.toLowerCase());
    }
    const text = await turnpike(['refunds', 'list', '--portal-config', ledger.portalConfigFile], { env });
    expect(text.stdout).toContain(`expired_unpaid  ${underpaid.id}`);
    expect(text.stdout).toContain('0.25 USDC');
  });

  it('plans the refunds before the sweep; signed and broadcast, each payer gets back exactly what it is owed', async () => {
    const { chain } = ledger;
    const planFile = join(ledger.dir, 'refund-plan.json');
    const plan = await turnpike(
      [
        'sweep',
        'plan',
        '--portal-config',
        ledger.portalConfigFile,
        '--to',
        destination,
        '--out',
        planFile,
        '--refunds',
      ],
      { env },
    );
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('4 of them refunds');
    const written = JSON.parse(await readFile(planFile, 'utf8')) as SweepPlan;
    const refundTxs = written.addresses.flatMap((a) => a.transactions.filter((t) => t.refund !== undefined));
    expect(refundTxs.map((t) => [t.refund!.invoiceId, t.amountAtomic]).sort()).toEqual(
      [
        [overpaid.id, '250000'],
        [underpaid.id, USDC_UNDERPAID.toString()],
        [ethOverpaid.id, (ETH_OVERPAID - 10n ** 15n).toString()],
        [paidTwice.id, (10n ** 15n).toString()],
      ].sort(),
    );
    // The underpaid address owes all it holds: nothing of it is swept.
    const underEntry = written.addresses.find((a) => a.address === underpaid.offers[0]!.payTo)!;
    expect(underEntry.transactions.map((t) => t.refund?.invoiceId ?? 'sweep')).toEqual([underpaid.id]);

    // A refund recipient changed in the file alone is refused by the signer.
    const tampered = structuredClone(written);
    tampered.addresses.find((a) => a.address === underEntry.address)!.transactions[0]!.refund!.to =
      Wallet.createRandom().address;
    const tamperedFile = join(ledger.dir, 'tampered-refund.json');
    await writeFile(tamperedFile, JSON.stringify(tampered));
    const refused = await turnpike([
      'sweep',
      'sign',
      tamperedFile,
      '--mnemonic-file',
      ledger.mnemonicFile,
      '--out',
      join(ledger.dir, 'no.json'),
    ]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('plan_mismatch');

    const signedFile = join(ledger.dir, 'refund-signed.json');
    const sign = await turnpike([
      'sweep',
      'sign',
      planFile,
      '--mnemonic-file',
      ledger.mnemonicFile,
      '--out',
      signedFile,
    ]);
    expect(sign.code).toBe(0);
    expect(sign.stdout).toContain(`(refund, invoice ${overpaid.id})`);
    const signed = JSON.parse(await readFile(signedFile, 'utf8')) as Signed;

    const usdcBefore = await chain.usdc.balanceOf(chain.payer);
    const ethBefore = BigInt(
      await jsonRpc<string>(chain.anvil.rpcUrl, 'eth_getBalance', [chain.payer, 'latest']),
    );
    // Gas for the token-only addresses comes from another account, so the payer's balances move by the refunds only.
    const funder = chain.anvil.accounts[2]!.address;
    const needy = new Map(
      signed.transactions.filter((t) => t.needsGas).map((t) => [t.from, t.gasShortfallWei]),
    );
    for (const [from, wei] of needy) await sendNative(chain.anvil.rpcUrl, funder, from, BigInt(wei));
    for (const tx of signed.transactions) {
      const hash = await jsonRpc<string>(chain.anvil.rpcUrl, 'eth_sendRawTransaction', [tx.raw]);
      expect((await waitForReceipt(chain.anvil.rpcUrl, hash)).status).toBe('0x1');
    }
    expect((await chain.usdc.balanceOf(chain.payer)) - usdcBefore).toBe(250_000n + USDC_UNDERPAID);
    const ethAfter = BigInt(
      await jsonRpc<string>(chain.anvil.rpcUrl, 'eth_getBalance', [chain.payer, 'latest']),
    );
    expect(ethAfter - ethBefore).toBe(ETH_OVERPAID - 10n ** 15n + 10n ** 15n);
    // The destination gets the exact payments plus what the overpaid and paid-twice invoices asked.
    expect(await chain.usdc.balanceOf(destination)).toBe(USDC_PAID_ATOMIC + 1_000_000n + 1_000_000n);
    expect(await chain.usdc.balanceOf(underpaid.offers[0]!.payTo)).toBe(0n);
    expect(await chain.usdc.balanceOf(overpaid.offers[0]!.payTo)).toBe(0n);
  }, 120_000);
});
