import { decodeJwt } from 'jose';
import { REASONS, type SettleResponse } from '@turnpike/protocol';
import { Wallet, parseEther } from 'ethers';
import { createProofHandlers, proofsConfigSchema, type ProofVerifier } from '../../src/proofs/index.js';
import { getInvoice } from '../../src/invoices/get-invoice.js';
import { redeemPayment } from '../../src/storage/index.js';
import {
  payerSend,
  startEvmStand,
  startProofCore,
  tokenTransfer,
  type EvmStand,
  type ProofCore,
} from './support/evm-proof-fixture.js';

let stand: EvmStand;
let core: ProofCore;
let verify: ProofVerifier;

beforeAll(async () => {
  stand = await startEvmStand();
  core = await startProofCore(stand);
  const config = await proofsConfigSchema.parseAsync({});
  verify = createProofHandlers({ config }).tx!;
});

afterAll(async () => {
  await core?.close();
  await stand?.close();
});

const txProof = (tx: string, network = 'anvil') => ({ type: 'tx' as const, network, tx });

function refused(r: SettleResponse): {
  reason: string;
  message: string;
  retryAfterSeconds?: number | undefined;
} {
  if (r.ok) throw new Error('expected a refusal, got a token');
  return r;
}

describe('EVM transaction-hash proofs', () => {
  it('credits a USDC transfer to the challenge address once, with a token for the resource', async () => {
    const { invoice, wire, usdcPayTo } = await core.invoice();
    const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
    const first = await verify(core.settleRequest(wire, txProof(tx)), core.pctx);
    if (!first.ok) throw new Error(`refused: ${first.reason} ${first.message}`);
    const claims = decodeJwt(first.token);
    expect(claims).toMatchObject({
      aud: 'shop.test',
      resource: '/premium',
      tier: 'gold',
      sub: stand.payer.address.toLowerCase(),
      pay: { network: 'anvil', tx: tx.toLowerCase(), invoice: invoice.id },
    });
    expect((await getInvoice(core.db, invoice.id))?.status).toBe('redeemed');

    const again = refused(await verify(core.settleRequest(wire, txProof(tx)), core.pctx));
    expect(again.reason).toBe(REASONS.PAYMENT_ALREADY_REDEEMED);
  });

  it('credits a native ETH payment', async () => {
    const { wire, ethPayTo } = await core.invoice();
    const tx = await payerSend(stand, { to: ethPayTo, value: parseEther('0.001') });
    const r = await verify(core.settleRequest(wire, txProof(tx)), core.pctx);
    expect(r.ok).toBe(true);
  });

  it('takes over a payment the watcher credited first, once', async () => {
    const { invoice, wire, usdcPayTo } = await core.invoice();
    const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
    const receipt = (await stand.anvil.rpc('eth_getTransactionReceipt', [tx])) as {
      logs: Array<{ logIndex: string }>;
    };
    // What the watcher writes when the invoice becomes paid.
    await redeemPayment(core.db, {
      network: 'anvil',
      txHash: tx.toLowerCase(),
      logIndex: Number(receipt.logs[0]!.logIndex),
      invoiceId: invoice.id,
      asset: stand.usdc.address.toLowerCase(),
      amountAtomic: 1_000_000n,
    });
    await core.db.query(`UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`, [invoice.id]);
    expect((await verify(core.settleRequest(wire, txProof(tx)), core.pctx)).ok).toBe(true);
    expect(refused(await verify(core.settleRequest(wire, txProof(tx)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_ALREADY_REDEEMED,
    );
  });

  it('refuses a malformed hash', async () => {
    const { wire } = await core.invoice();
    expect(refused(await verify(core.settleRequest(wire, txProof('0x1234')), core.pctx)).reason).toBe(
      REASONS.PAYMENT_TX_MALFORMED,
    );
  });

  it('refuses an unknown chain', async () => {
    const { wire } = await core.invoice();
    expect(
      refused(await verify(core.settleRequest(wire, txProof(`0x${'ab'.repeat(32)}`, 'dogechain')), core.pctx))
        .reason,
    ).toBe(REASONS.PAYMENT_CHAIN_UNKNOWN);
  });

  it('refuses a proof on a chain the resource is not offered on', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
    expect(refused(await verify(core.settleRequest(wire, txProof(tx, 'other')), core.pctx)).reason).toBe(
      REASONS.PAYMENT_WRONG_NETWORK,
    );
  });

  it('refuses a transaction that does not exist', async () => {
    const { wire } = await core.invoice();
    expect(
      refused(await verify(core.settleRequest(wire, txProof(`0x${'ab'.repeat(32)}`)), core.pctx)).reason,
    ).toBe(REASONS.PAYMENT_NOT_FOUND);
  });

  it('refuses a reverted transaction', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const { Interface } = await import('ethers');
    const data = new Interface(['function transfer(address,uint256)']).encodeFunctionData('transfer', [
      usdcPayTo,
      10n ** 18n,
    ]);
    // A fixed gas limit skips estimation, so the overspend is mined and reverts.
    const sent = await stand.payer.sendTransaction({ to: stand.usdc.address, data, gasLimit: 200_000n });
    await sent.wait().catch(() => undefined);
    expect(refused(await verify(core.settleRequest(wire, txProof(sent.hash)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_REVERTED,
    );
  });

  it('refuses the right amount of a look-alike token (another contract emitting Transfer)', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const tx = await tokenTransfer(stand, stand.fake, usdcPayTo, 1_000_000n);
    expect(refused(await verify(core.settleRequest(wire, txProof(tx)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_WRONG_ASSET,
    );
  });

  it("refuses someone else's transaction copied from the chain (another challenge's address, or none)", async () => {
    const victim = await core.invoice({ resource: '/premium/other' });
    const tx = await tokenTransfer(stand, stand.usdc, victim.usdcPayTo, 1_000_000n);
    const attacker = await core.invoice();
    expect(refused(await verify(core.settleRequest(attacker.wire, txProof(tx)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_WRONG_RECIPIENT,
    );
    const elsewhere = await tokenTransfer(stand, stand.usdc, Wallet.createRandom().address, 1_000_000n);
    expect(
      refused(await verify(core.settleRequest(attacker.wire, txProof(elsewhere)), core.pctx)).reason,
    ).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);
    // The victim still gets theirs.
    expect((await verify(core.settleRequest(victim.wire, txProof(tx), '/premium/other'), core.pctx)).ok).toBe(
      true,
    );
  });

  it('credits a hash that names its challenge only to that challenge (same resource, another payer)', async () => {
    const victim = await core.invoice();
    const attacker = await core.invoice();
    const tx = await tokenTransfer(stand, stand.usdc, victim.usdcPayTo, 1_000_000n);
    const named = (challenge: string) => ({ ...txProof(tx), challenge });
    // The attacker copies the victim's hash and names the challenge it was given itself.
    expect(
      refused(await verify(core.settleRequest(attacker.wire, named(attacker.invoice.id)), core.pctx)).reason,
    ).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);
    const paid = await verify(core.settleRequest(victim.wire, named(victim.invoice.id)), core.pctx);
    if (!paid.ok) throw new Error(`refused: ${paid.reason}`);
    expect(decodeJwt(paid.token)).toMatchObject({ pay: { invoice: victim.invoice.id } });
    expect((await getInvoice(core.db, attacker.invoice.id))?.status).not.toBe('redeemed');
  });

  it('refuses an underpayment and says what is left', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 400_000n);
    const r = refused(await verify(core.settleRequest(wire, txProof(tx)), core.pctx));
    expect(r.reason).toBe(REASONS.PAYMENT_UNDERPAID);
    expect(r.message).toContain('600000 left');
  });

  it('answers payment_pending with Retry-After until the confirmations are reached', async () => {
    const config = await proofsConfigSchema.parseAsync({
      tx: { networks: { anvil: { confirmations: 3, blockTimeSeconds: 2 } } },
    });
    const deep = createProofHandlers({ config }).tx!;
    const { wire, usdcPayTo } = await core.invoice();
    const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
    const pending = refused(await deep(core.settleRequest(wire, txProof(tx)), core.pctx));
    expect(pending.reason).toBe(REASONS.PAYMENT_PENDING);
    expect(pending.retryAfterSeconds).toBe(6);
    await stand.anvil.rpc('anvil_mine', ['0x3']);
    expect((await deep(core.settleRequest(wire, txProof(tx)), core.pctx)).ok).toBe(true);
  });

  it('answers payment_pending for a transaction not mined yet', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    await stand.anvil.rpc('evm_setAutomine', [false]);
    try {
      const { Interface } = await import('ethers');
      const data = new Interface(['function transfer(address,uint256)']).encodeFunctionData('transfer', [
        usdcPayTo,
        1_000_000n,
      ]);
      const sent = await stand.payer.sendTransaction({ to: stand.usdc.address, data, gasLimit: 100_000n });
      expect(refused(await verify(core.settleRequest(wire, txProof(sent.hash)), core.pctx)).reason).toBe(
        REASONS.PAYMENT_PENDING,
      );
    } finally {
      await stand.anvil.rpc('evm_setAutomine', [true]);
      await stand.anvil.rpc('evm_mine', []);
    }
  });

  it('refuses a transaction older than the challenge', async () => {
    const { invoice, wire, usdcPayTo } = await core.invoice();
    const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
    // As if the challenge had been made an hour after the transfer.
    await core.db.query(
      `UPDATE invoices SET created_at = now() + interval '1 hour', expires_at = now() + interval '2 hours' WHERE id = $1`,
      [invoice.id],
    );
    expect(refused(await verify(core.settleRequest(wire, txProof(tx)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_TOO_OLD,
    );
  });

  it('refuses a transaction older than the maximum age, and one mined after the challenge expired', async () => {
    const aged = await core.invoice();
    const tx = await tokenTransfer(stand, stand.usdc, aged.usdcPayTo, 1_000_000n);
    const later = { ...core.pctx, now: () => Date.now() + 2 * 3_600_000 };
    const strict = createProofHandlers({
      config: await proofsConfigSchema.parseAsync({
        tx: { networks: { anvil: { maxTxAgeSeconds: 3_600 } } },
      }),
    }).tx!;
    expect(refused(await strict(core.settleRequest(aged.wire, txProof(tx)), later)).reason).toBe(
      REASONS.PAYMENT_TOO_OLD,
    );

    const { invoice, wire, usdcPayTo } = await core.invoice();
    await core.db.query(
      `UPDATE invoices SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE id = $1`,
      [invoice.id],
    );
    const late = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
    expect(refused(await verify(core.settleRequest(wire, txProof(late)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_EXPIRED,
    );
  });

  it('refuses a payment to a fixed wallet unless unbound proofs are allowed, then credits it once', async () => {
    const wallet = Wallet.createRandom().address;
    const json = {
      claims: {},
      exp: 60_000,
      payment: { requests: [{ network: 'anvil', amount: '1', asset: 'USDC', address: wallet }] },
    };
    const { wire } = await core.invoice({ json });
    const tx = await tokenTransfer(stand, stand.usdc, wallet, 1_000_000n);
    expect(refused(await verify(core.settleRequest(wire, txProof(tx)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_UNBOUND,
    );
    const loose = createProofHandlers({
      config: await proofsConfigSchema.parseAsync({ tx: { allowUnboundProofs: true } }),
    }).tx!;
    expect((await loose(core.settleRequest(wire, txProof(tx)), core.pctx)).ok).toBe(true);
    expect(refused(await loose(core.settleRequest(wire, txProof(tx)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_ALREADY_REDEEMED,
    );
  });

  it('answers chain_unavailable (nothing credited) when every RPC endpoint is down', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
    const down = {
      ...core.pctx,
      rpcUrls: new Map([['anvil', ['http://127.0.0.1:9']]]),
      rpcTimeoutMs: () => 500,
    };
    const r = refused(await verify(core.settleRequest(wire, txProof(tx)), down));
    expect(r.reason).toBe('chain_unavailable');
    expect((await verify(core.settleRequest(wire, txProof(tx)), core.pctx)).ok).toBe(true);
  });
});
