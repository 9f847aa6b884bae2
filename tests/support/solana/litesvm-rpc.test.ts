import { createSolanaRpc, generateKeyPairSigner, type Address, type Signature } from '@solana/kit';
import { startLiteSvmRpc, type LiteSvmRpc } from '../litesvm-rpc.js';
import {
  createAta,
  createMint,
  fundedSigner,
  mintTo,
  paySol,
  payToken,
  randomAddress,
  type Rpc,
} from './payer.js';

// The LiteSVM JSON-RPC front, exercised through @solana/kit's own RPC client: if kit can drive a
// whole SPL payment through it and read the balances back, the verifier and watcher can too.
describe('LiteSVM JSON-RPC front', () => {
  let front: LiteSvmRpc;
  let rpc: Rpc;

  beforeAll(async () => {
    front = await startLiteSvmRpc();
    rpc = createSolanaRpc(front.url);
  });
  afterAll(async () => {
    await front.stop();
  });

  it('runs mint → ATAs → mintTo → transferChecked with a reference, and reports balances as a validator would', async () => {
    const authority = await fundedSigner(rpc);
    const payer = await fundedSigner(rpc);
    const merchant = await randomAddress();
    const reference = await randomAddress();
    const mint = await createMint(rpc, authority, 6);
    const payerAta = await createAta(rpc, authority, payer.address, mint);
    await mintTo(rpc, authority, mint, payerAta, 5_000_000n);

    const sig = await payToken(rpc, {
      from: payer,
      recipient: merchant,
      mint,
      decimals: 6,
      amount: 1_500_000n,
      reference,
    });
    const tx = await rpc
      .getTransaction(sig as Signature, {
        commitment: 'confirmed',
        encoding: 'json',
        maxSupportedTransactionVersion: 0,
      })
      .send();
    expect(tx).not.toBeNull();
    const meta = tx!.meta!;
    expect(meta.err).toBeNull();
    expect(meta.fee).toBe(5000n);
    const keys = tx!.transaction.message.accountKeys.map(String);
    expect(keys).toContain(reference);
    const merchantPost = meta.postTokenBalances!.find((b) => b.owner === merchant && b.mint === mint);
    expect(merchantPost?.uiTokenAmount).toMatchObject({
      amount: '1500000',
      decimals: 6,
      uiAmountString: '1.5',
    });
    // The merchant's ATA was created in the same transaction: no pre entry, as on a cluster.
    expect(meta.preTokenBalances!.find((b) => b.owner === merchant)).toBeUndefined();
    const payerPre = meta.preTokenBalances!.find((b) => b.owner === payer.address)!;
    const payerPost = meta.postTokenBalances!.find((b) => b.owner === payer.address)!;
    expect(BigInt(payerPre.uiTokenAmount.amount) - BigInt(payerPost.uiTokenAmount.amount)).toBe(1_500_000n);
    // Lamports: the fee payer paid the fee and the new ATA's rent.
    expect(meta.preBalances[0]! - meta.postBalances[0]!).toBeGreaterThan(5000n);

    const [merchantAta] = [keys[meta.postTokenBalances!.find((b) => b.owner === merchant)!.accountIndex]!];
    const balance = await rpc.getTokenAccountBalance(merchantAta as Address).send();
    expect(balance.value.amount).toBe('1500000');
    expect(balance.value.uiAmountString).toBe('1.5');

    // The reference indexes the transaction (Solana Pay's lookup).
    const found = await rpc.getSignaturesForAddress(reference, { commitment: 'confirmed' }).send();
    expect(found.map((s) => s.signature)).toEqual([sig]);
    expect(found[0]!.confirmationStatus).toBe('finalized');
    expect(found[0]!.blockTime).toBe(tx!.blockTime);
  });

  it('moves SOL and reports pre/post balances that differ by the amount', async () => {
    const payer = await fundedSigner(rpc);
    const merchant = await randomAddress();
    const before = (await rpc.getBalance(merchant).send()).value;
    expect(before).toBe(0n);
    const sig = await paySol(rpc, { from: payer, recipient: merchant, lamports: 250_000_000n });
    const tx = await rpc
      .getTransaction(sig as Signature, {
        encoding: 'json',
        maxSupportedTransactionVersion: 0,
        commitment: 'finalized',
      })
      .send();
    const i = tx!.transaction.message.accountKeys.map(String).indexOf(merchant);
    expect(tx!.meta!.postBalances[i]! - tx!.meta!.preBalances[i]!).toBe(250_000_000n);
    expect((await rpc.getBalance(merchant).send()).value).toBe(250_000_000n);
  });

  it('answers null for an unknown signature, refuses a failing transaction at preflight, lands it with skipPreflight', async () => {
    const unknown = '1'.repeat(64) as Signature;
    expect(
      await rpc.getTransaction(unknown, { encoding: 'json', maxSupportedTransactionVersion: 0 }).send(),
    ).toBeNull();
    expect((await rpc.getSignatureStatuses([unknown]).send()).value).toEqual([null]);

    const poor = await fundedSigner(rpc, 1_000_000n);
    const to = await randomAddress();
    await expect(paySol(rpc, { from: poor, recipient: to, lamports: 5_000_000n })).rejects.toMatchObject({
      context: expect.objectContaining({ __code: -32002 }),
    });
    const sig = await paySol(rpc, { from: poor, recipient: to, lamports: 5_000_000n, skipPreflight: true });
    const tx = await rpc
      .getTransaction(sig as Signature, { encoding: 'json', maxSupportedTransactionVersion: 0 })
      .send();
    expect(tx!.meta!.err).toEqual({ InstructionError: [0n, { Custom: 1n }] }); // kit reads every integer as a bigint
    // Landed with an error: the fee is charged, nothing moved.
    expect(tx!.meta!.preBalances[0]! - tx!.meta!.postBalances[0]!).toBe(5000n);
    expect((await rpc.getBalance(to).send()).value).toBe(0n);
  });

  it('reports a transaction below the asked commitment as missing until it is finalized', async () => {
    const payer = await fundedSigner(rpc);
    front.setLandAt('processed');
    const sig = (await paySol(rpc, {
      from: payer,
      recipient: await randomAddress(),
      lamports: 1_000_000n,
    })) as Signature;
    front.setLandAt('finalized');
    expect(
      await rpc
        .getTransaction(sig, { commitment: 'confirmed', encoding: 'json', maxSupportedTransactionVersion: 0 })
        .send(),
    ).toBeNull();
    const [st] = (await rpc.getSignatureStatuses([sig]).send()).value;
    expect(st?.confirmationStatus).toBe('processed');
    front.setCommitment(sig, 'finalized');
    expect(
      await rpc
        .getTransaction(sig, { commitment: 'finalized', encoding: 'json', maxSupportedTransactionVersion: 0 })
        .send(),
    ).not.toBeNull();
  });

  it('pages getSignaturesForAddress newest first with before / until / limit', async () => {
    const payer = await fundedSigner(rpc);
    const reference = await randomAddress();
    const merchant = (await generateKeyPairSigner()).address;
    const sigs: string[] = [];
    for (let i = 0; i < 4; i++)
      sigs.push(
        await paySol(rpc, { from: payer, recipient: merchant, lamports: 1_000_000n + BigInt(i), reference }),
      );
    const newest = [...sigs].reverse();
    const all = await rpc.getSignaturesForAddress(reference).send();
    expect(all.map((s) => s.signature)).toEqual(newest);
    const page = await rpc
      .getSignaturesForAddress(reference, { limit: 2, before: newest[0] as Signature })
      .send();
    expect(page.map((s) => s.signature)).toEqual(newest.slice(1, 3));
    const recent = await rpc.getSignaturesForAddress(reference, { until: newest[2] as Signature }).send();
    expect(recent.map((s) => s.signature)).toEqual(newest.slice(0, 2));
    expect(front.calls.get('getSignaturesForAddress')).toBeGreaterThanOrEqual(3);
  });
});
