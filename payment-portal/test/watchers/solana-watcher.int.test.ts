import { decodeJwt } from 'jose';
import type { SolanaNetwork } from '@turnpike/protocol';
import { createSolanaRpcClient, verifySolanaTxProof } from '../../src/proofs/solana/index.js';
import { createSolanaWatcher, startSolanaWatcher } from '../../src/watchers/solana/index.js';
import { paySol, payToken, randomAddress } from '../../../tests/support/solana/payer.js';
import {
  invoiceState,
  NETWORK,
  quiet,
  startSolanaFixture,
  type SolanaFixture,
} from '../proofs/solana-fixture.js';

// The Solana watcher polls getSignaturesForAddress(reference) on the LiteSVM front and credits
// invoices exactly once, judging each transaction the way the settle verifier does.
describe('Solana watcher', () => {
  let f: SolanaFixture;
  let network: SolanaNetwork;
  beforeAll(async () => {
    f = await startSolanaFixture();
    network = f.registry.require(NETWORK) as SolanaNetwork;
  });
  afterAll(async () => {
    await f?.close();
  });

  const watcher = (owner = 'replica-a', rpcUrls = [f.front.url]) =>
    createSolanaWatcher({
      db: f.db,
      network,
      rpc: createSolanaRpcClient({ urls: rpcUrls, timeoutMs: 2_000 }),
      pollIntervalMs: 50,
      lateGraceMs: 86_400_000,
      owner,
      logger: quiet,
    });
  const paymentsOf = async (id: string) =>
    (
      await f.db.query<{ tx_hash: string; status: string }>(
        'SELECT tx_hash, status FROM payments WHERE invoice_id = $1 ORDER BY created_at',
        [id],
      )
    ).rows;

  it('credits a payment to an invoice reference once, and the payer can then settle it once for a token', async () => {
    const inv = await f.createInvoice();
    const w = watcher();
    const sig = await f.payUsdc(inv.reference);
    const first = await w.pass();
    expect(first).toMatchObject({ scanned: true, recorded: 1 });
    expect(first.changed).toContainEqual({ id: inv.id, status: 'paid' });
    expect(await invoiceState(f.db, inv.id)).toMatchObject({ status: 'paid', received: 1_500_000n });
    expect(await paymentsOf(inv.id)).toEqual([{ tx_hash: sig, status: 'confirmed' }]);
    expect((await w.pass()).recorded).toBe(0);
    expect(await paymentsOf(inv.id)).toHaveLength(1);

    const settled = await verifySolanaTxProof(f.deps, inv.settle(sig));
    expect(settled.ok).toBe(true);
    // The same proof again gets the same grant back.
    const again = await verifySolanaTxProof(f.deps, inv.settle(sig));
    expect(again.ok && settled.ok && decodeJwt(again.token).jti === decodeJwt(settled.token).jti).toBe(true);
    await w.stop();
  });

  it('adds an underpayment and its top-up (seen → paid), in SOL', async () => {
    const inv = await f.createInvoice({ asset: 'SOL', amount: '0.25' });
    const w = watcher();
    await paySol(f.rpc, {
      from: f.payer,
      recipient: f.merchant,
      lamports: 100_000_000n,
      reference: inv.reference,
    });
    await w.pass();
    expect(await invoiceState(f.db, inv.id)).toMatchObject({ status: 'seen', received: 100_000_000n });
    await paySol(f.rpc, {
      from: f.payer,
      recipient: f.merchant,
      lamports: 150_000_000n,
      reference: inv.reference,
    });
    await w.pass();
    expect(await invoiceState(f.db, inv.id)).toMatchObject({ status: 'paid', received: 250_000_000n });
    await w.stop();
  });

  it('credits nothing for another mint, another wallet, a failed transaction or a payment without the reference', async () => {
    const inv = await f.createInvoice();
    const w = watcher();
    await payToken(f.rpc, {
      from: f.payer,
      recipient: f.merchant,
      mint: f.otherMint,
      decimals: 6,
      amount: 1_500_000n,
      reference: inv.reference,
    });
    await payToken(f.rpc, {
      from: f.payer,
      recipient: await randomAddress(),
      mint: f.usdcMint,
      decimals: 6,
      amount: 1_500_000n,
      reference: inv.reference,
    });
    await payToken(f.rpc, {
      from: f.payer,
      recipient: f.merchant,
      mint: f.usdcMint,
      decimals: 6,
      amount: 10n ** 15n,
      reference: inv.reference,
      skipPreflight: true,
    });
    await payToken(f.rpc, {
      from: f.payer,
      recipient: f.merchant,
      mint: f.usdcMint,
      decimals: 6,
      amount: 1_500_007n,
    });
    const result = await w.pass();
    expect(result.recorded).toBe(0);
    expect(await invoiceState(f.db, inv.id)).toMatchObject({ status: 'pending', received: 0n });
    // Rejected transactions are not fetched again on the next pass.
    const before = f.front.calls.get('getTransaction') ?? 0;
    await w.pass();
    expect(f.front.calls.get('getTransaction') ?? 0).toBe(before);
    await w.stop();
  });

  it('waits for the commitment: a processed transaction is credited only once it is confirmed', async () => {
    const inv = await f.createInvoice();
    const w = watcher();
    f.front.setLandAt('processed');
    const sig = await f.payUsdc(inv.reference);
    f.front.setLandAt('finalized');
    expect((await w.pass()).recorded).toBe(0);
    expect((await invoiceState(f.db, inv.id)).status).toBe('pending');
    f.front.setCommitment(sig, 'confirmed');
    expect((await w.pass()).recorded).toBe(1);
    expect((await invoiceState(f.db, inv.id)).status).toBe('paid');
    await w.stop();
  });

  it('credits a payment made while the RPC was down once it is back, and a late payment after expiry', async () => {
    const inv = await f.createInvoice();
    const late = await f.createInvoice();
    await f.db.query(`UPDATE invoices SET expires_at = now() - interval '1 minute' WHERE id = $1`, [late.id]);
    const w = watcher();
    f.front.setDown(true);
    try {
      await expect(w.pass()).rejects.toThrow(/every Solana RPC endpoint failed/);
    } finally {
      f.front.setDown(false);
    }
    await f.payUsdc(inv.reference);
    await f.payUsdc(late.reference, 1_500_001n);
    await w.pass();
    expect((await invoiceState(f.db, inv.id)).status).toBe('paid');
    const lateRow = await f.db.query<{ status: string; late_credited: boolean }>(
      'SELECT status, late_credited FROM invoices WHERE id = $1',
      [late.id],
    );
    expect(lateRow.rows[0]).toEqual({ status: 'expired', late_credited: true });
    await w.stop();
  });

  it('lets one replica poll at a time (lease) and credits once when two run', async () => {
    const inv = await f.createInvoice();
    const a = watcher('replica-a');
    const b = watcher('replica-b');
    await f.payUsdc(inv.reference);
    const [ra, rb] = await Promise.all([a.pass(), b.pass()]);
    expect([ra.scanned, rb.scanned].filter(Boolean)).toHaveLength(1);
    expect(ra.recorded + rb.recorded).toBe(1);
    await a.stop();
    // After a's lease is released, b takes over.
    expect((await b.pass()).scanned).toBe(true);
    await b.stop();
    expect(await paymentsOf(inv.id)).toHaveLength(1);
  });

  it('runs on its own timer (startSolanaWatcher) and stops cleanly', async () => {
    const inv = await f.createInvoice();
    const changes: string[] = [];
    const running = startSolanaWatcher({
      db: f.db,
      network,
      rpc: createSolanaRpcClient({ urls: [f.front.url], timeoutMs: 2_000 }),
      pollIntervalMs: 50,
      lateGraceMs: 86_400_000,
      owner: 'timer',
      logger: quiet,
      onChange: (r) => changes.push(...r.changed.map((c) => `${c.id}:${c.status}`)),
    });
    try {
      await f.payUsdc(inv.reference);
      const deadline = Date.now() + 10_000;
      while ((await invoiceState(f.db, inv.id)).status !== 'paid') {
        if (Date.now() > deadline) throw new Error('the watcher did not credit the payment');
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(changes).toContain(`${inv.id}:paid`);
    } finally {
      await running.stop();
    }
  });
});
