/**
 * x402 `exact` on Solana through real NGINX (integrations/nginx) + authz-service + payment-portal,
 * on LiteSVM behind its JSON-RPC front: the unmodified @x402/fetch client with @x402/svm's exact
 * scheme (its documented `rpcUrl` option pointed at the front) pays; the portal checks the
 * partially signed transfer, co-signs it as fee payer, submits it and credits it once. Refusals
 * are built by hand (x402-svm-payload.ts) for what an unmodified client never sends.
 */
import { REASONS, x402SvmMemo } from '@turnpike/protocol';
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactSvmScheme } from '@x402/svm/exact/client';
import { generateKeyPairSigner, type KeyPairSigner } from '@solana/kit';
import {
  SOLANA_PAY_CAIP2,
  SOLANA_PAY_NETWORK,
  SPL_PRICE_ATOMIC,
  startSolanaPaymentStack,
  type SolanaPaymentStack,
} from '../support/solana-payments.js';
import { createAta, mintTo } from '../support/solana/payer.js';
import {
  svmPaymentSignature,
  svmRequirements,
  svmTransaction,
  unsignedSigner,
  type SvmOverrides,
  type SvmRequirement,
} from './x402-svm-payload.js';

let stack: SolanaPaymentStack;
// Above the 1 SOL the fee payer is funded with: /readyz and the gauge must report it low.
const LOW_BALANCE_LAMPORTS = 2_000_000_000;

beforeAll(async () => {
  stack = await startSolanaPaymentStack({ gateway: 'nginx', lowBalanceLamports: LOW_BALANCE_LAMPORTS });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** An unmodified x402 client paying with `payer` on the test cluster; records what it sent. */
function svmClient(payer: KeyPairSigner) {
  const sent: Headers[] = [];
  const client = new x402Client().setSpendControls(false);
  client.register(SOLANA_PAY_CAIP2, new ExactSvmScheme(payer, { rpcUrl: stack.front.url }));
  const recording: typeof fetch = (input, init) => {
    sent.push(new Request(input, init).headers);
    return fetch(input, init);
  };
  return { paidFetch: wrapFetchWithPayment(recording, client), sent };
}

/** The Solana requirement of a fresh 402 on `path`. */
async function requirement(path: string): Promise<SvmRequirement> {
  const res = await fetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(402);
  const [svm] = svmRequirements(res.headers.get('payment-required') ?? '', SOLANA_PAY_CAIP2);
  expect(svm).toBeDefined();
  return svm!;
}

async function present(path: string, header: string) {
  return fetch(`${stack.baseUrl}${path}`, {
    headers: { accept: 'application/json', 'payment-signature': header },
  });
}

async function reasonOf(res: Response): Promise<string> {
  expect(res.status).toBe(402);
  return ((await res.json()) as { reason: string }).reason;
}

/** A hand-built payment for a fresh 402 on `path`, with `overrides`; refused with `reason`, nothing moved. */
async function expectRefused(
  path: string,
  overrides: SvmOverrides,
  reason: string,
  payer = stack.payers[2]!,
) {
  const accepted = await requirement(path);
  const tx = await svmTransaction(stack.rpc, payer, accepted, overrides);
  const before = await stack.tokenBalance(stack.merchant);
  const hits = stack.appHits(path);
  expect(
    await reasonOf(await present(path, svmPaymentSignature(accepted, tx, `${stack.baseUrl}${path}`))),
  ).toBe(reason);
  expect(stack.appHits(path)).toBe(hits);
  expect(await stack.tokenBalance(stack.merchant)).toBe(before);
}

describe('x402 exact on Solana: @x402/fetch + @x402/svm through NGINX', () => {
  it("the 402 offers the SPL token to the owner's wallet, with the portal's fee payer and a memo bound to the requester's secret", async () => {
    const a = await requirement('/premium/svm/terms');
    const b = await requirement('/premium/svm/terms');
    expect(a).toMatchObject({
      scheme: 'exact',
      network: SOLANA_PAY_CAIP2,
      amount: SPL_PRICE_ATOMIC.toString(),
      asset: stack.usdcMint,
      payTo: stack.merchant,
      extra: { feePayer: stack.feePayer },
    });
    expect(a.extra.memo).toBe(x402SvmMemo(a.extra.challenge));
    expect(a.extra.challenge).not.toBe(b.extra.challenge);
    expect(a.extra.memo).not.toBe(b.extra.memo);
  });

  it('pays once: the payer holds no SOL, the fee payer pays the fee, the upstream sees the request once, the token opens the next call', async () => {
    const payer = stack.payers[0]!;
    const { paidFetch } = svmClient(payer);
    const payerBefore = await stack.tokenBalance(payer.address);
    const merchantBefore = await stack.tokenBalance(stack.merchant);
    const feePayerBefore = (await stack.rpc.getBalance(stack.feePayer).send()).value;
    const hits = stack.appHits('/premium/svm/pay');

    const res = await paidFetch(`${stack.baseUrl}/premium/svm/pay`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ content: 'premium', path: '/premium/svm/pay' });
    expect(stack.appHits('/premium/svm/pay')).toBe(hits + 1);
    const receipt = decodePaymentResponseHeader(res.headers.get('payment-response') ?? '');
    expect(receipt).toMatchObject({ success: true, network: SOLANA_PAY_CAIP2, payer: payer.address });
    expect(receipt.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);

    expect(await stack.tokenBalance(payer.address)).toBe(payerBefore - SPL_PRICE_ATOMIC);
    expect(await stack.tokenBalance(stack.merchant)).toBe(merchantBefore + SPL_PRICE_ATOMIC);
    expect((await stack.rpc.getBalance(payer.address).send()).value).toBe(0n);
    expect((await stack.rpc.getBalance(stack.feePayer).send()).value).toBeLessThan(feePayerBefore);
    const landed = (await stack.rpc
      .getTransaction(receipt.transaction as never, { encoding: 'json', maxSupportedTransactionVersion: 0 })
      .send()) as unknown as { transaction: { message: { accountKeys: string[] } }; meta: { err: unknown } };
    expect(landed.meta.err).toBeNull();
    expect(landed.transaction.message.accountKeys[0]).toBe(stack.feePayer);

    const credited = await stack.portal.db.query<{ source: string; binding: string; log_index: number }>(
      `SELECT i.source, i.binding, r.log_index FROM redemptions r JOIN invoices i ON i.id = r.invoice_id WHERE r.tx_hash = $1`,
      [receipt.transaction],
    );
    expect(credited.rows).toEqual([
      {
        source: 'proof',
        log_index: 0,
        binding: expect.stringMatching(
          new RegExp(`^x402:${SOLANA_PAY_NETWORK}:.+:[0-9a-f]{128}:[0-9a-f]{32}$`),
        ),
      },
    ]);

    const token = res.headers.get('x-402-token');
    expect(token).toMatch(/^ey/);
    const again = await fetch(`${stack.baseUrl}/premium/svm/pay`, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('payment-response')).toBeNull();
    expect(stack.appHits('/premium/svm/pay')).toBe(hits + 2);
    expect(await stack.tokenBalance(payer.address)).toBe(payerBefore - SPL_PRICE_ATOMIC);
  });

  it('the fee payer shows in /readyz and the metrics with its balance, reported low under the configured floor', async () => {
    const ready = (await (await fetch(`${stack.portal.publicUrl}/readyz?detail=1`)).json()) as {
      checks?: Record<string, { ok: boolean; detail?: string }>;
    };
    const check = ready.checks?.['solanaFeePayer'];
    expect(check?.detail).toContain(`address ${stack.feePayer}`);
    expect(check?.detail).toMatch(new RegExp(`${SOLANA_PAY_NETWORK}=0\\.9\\d+ SOL LOW`));
    const metrics = await (await fetch(`${stack.portal.publicUrl}/metrics`)).text();
    const balance = new RegExp(
      `turnpike_portal_solana_fee_payer_balance\\{network="${SOLANA_PAY_NETWORK}",address="${stack.feePayer}"\\} (0\\.9\\d+)`,
    ).exec(metrics);
    expect(Number(balance?.[1])).toBeGreaterThan(0.9);
    expect(metrics).toContain(
      `turnpike_portal_solana_fee_payer_low{network="${SOLANA_PAY_NETWORK}",address="${stack.feePayer}"} 1`,
    );
  });
});

describe('x402 exact on Solana: refusals through NGINX', () => {
  it('a transfer of another amount', async () => {
    await expectRefused(
      '/premium/svm/amount',
      { amount: SPL_PRICE_ATOMIC - 1n },
      REASONS.X402_VALUE_MISMATCH,
    );
    await expectRefused(
      '/premium/svm/amount',
      { amount: SPL_PRICE_ATOMIC + 1n },
      REASONS.X402_VALUE_MISMATCH,
    );
  });

  it('a transfer of another mint', async () => {
    await expectRefused('/premium/svm/mint', { mint: stack.otherMint }, REASONS.PAYMENT_WRONG_ASSET);
  });

  it("the fee payer as the transfer's authority (its own tokens), and a memo that is not the requester's", async () => {
    // The fee payer holds the token too: a transfer of its funds, were the portal to sign it, would go through.
    const feePayerAta = await createAta(stack.rpc, stack.mintAuthority, stack.feePayer, stack.usdcMint);
    await mintTo(stack.rpc, stack.mintAuthority, stack.usdcMint, feePayerAta, 1_000_000n);
    await expectRefused(
      '/premium/svm/fee-payer',
      { authority: unsignedSigner(stack.feePayer) },
      REASONS.X402_SVM_FEE_PAYER_MISUSED,
    );
    expect(await stack.tokenBalance(stack.feePayer)).toBe(1_000_000n);
    await expectRefused(
      '/premium/svm/memo',
      { memo: x402SvmMemo('another-requesters-secret') },
      REASONS.X402_SVM_INSTRUCTIONS_INVALID,
    );
    await expectRefused(
      '/premium/svm/price',
      { computeUnitPrice: 5_000_001n },
      REASONS.X402_SVM_COMPUTE_BUDGET_EXCEEDED,
    );
  });

  it('a payer without the funds, and a transaction whose blockhash expired before it was presented', async () => {
    const broke = await generateKeyPairSigner();
    await createAta(stack.rpc, stack.mintAuthority, broke.address, stack.usdcMint);
    await expectRefused('/premium/svm/broke', {}, REASONS.X402_INSUFFICIENT_BALANCE, broke);

    const path = '/premium/svm/stale';
    const accepted = await requirement(path);
    const tx = await svmTransaction(stack.rpc, stack.payers[2]!, accepted);
    stack.front.svm.expireBlockhash();
    expect(
      await reasonOf(await present(path, svmPaymentSignature(accepted, tx, `${stack.baseUrl}${path}`))),
    ).toBe(REASONS.X402_AUTHORIZATION_EXPIRED);
    expect(stack.appHits(path)).toBe(0);
  });

  it('a replay of a paid transaction: its requester gets the same grant back (nothing moves), anyone else nothing', async () => {
    const path = '/premium/svm/replay';
    const payer = stack.payers[1]!;
    const { paidFetch, sent } = svmClient(payer);
    const res = await paidFetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const signature = decodePaymentResponseHeader(res.headers.get('payment-response') ?? '').transaction;
    const header = sent.map((h) => h.get('payment-signature')).find((h) => h !== null)!;
    const paid = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as {
      payload: { transaction: string };
    };
    const balance = await stack.tokenBalance(payer.address);
    const hits = stack.appHits(path);

    // The same payment by its requester (the same secret): the grant it bought, the same transaction.
    const again = await present(path, header);
    expect(again.status).toBe(200);
    expect(decodePaymentResponseHeader(again.headers.get('payment-response') ?? '').transaction).toBe(
      signature,
    );
    expect(stack.appHits(path)).toBe(hits + 1);

    // The same payment for another resource: refused.
    expect(await reasonOf(await present('/premium/svm/replay-elsewhere', header))).toBe(
      REASONS.PAYMENT_ALREADY_REDEEMED,
    );
    // The same transaction under another requester's 402 (its own secret): its memo is not theirs.
    const other = await requirement(path);
    expect(
      await reasonOf(
        await present(path, svmPaymentSignature(other, paid.payload.transaction, `${stack.baseUrl}${path}`)),
      ),
    ).toBe(REASONS.X402_SVM_INSTRUCTIONS_INVALID);
    // ...nor when the copier also copies the payer's `accepted` but drops the secret.
    const stripped = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as {
      accepted: { extra: Record<string, unknown> };
    };
    delete stripped.accepted.extra['challenge'];
    expect(
      await reasonOf(await present(path, Buffer.from(JSON.stringify(stripped)).toString('base64'))),
    ).toBe(REASONS.PAYMENT_UNBOUND);

    expect(stack.appHits(path)).toBe(hits + 1);
    expect(await stack.tokenBalance(payer.address)).toBe(balance);
    const rows = await stack.portal.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM redemptions WHERE tx_hash = $1',
      [signature],
    );
    expect(rows.rows[0]?.n).toBe('1');
  });

  it('concurrent presentations of one fresh payment: one transfer, one credit, every copy the same grant', async () => {
    const path = '/premium/svm/concurrent';
    const payer = stack.payers[1]!;
    const accepted = await requirement(path);
    const tx = await svmTransaction(stack.rpc, payer, accepted);
    const header = svmPaymentSignature(accepted, tx, `${stack.baseUrl}${path}`);
    const before = await stack.tokenBalance(payer.address);
    const answers = await Promise.all(Array.from({ length: 8 }, () => present(path, header)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    const signatures = new Set(
      answers.map((r) => decodePaymentResponseHeader(r.headers.get('payment-response') ?? '').transaction),
    );
    expect(signatures.size).toBe(1);
    expect(await stack.tokenBalance(payer.address)).toBe(before - SPL_PRICE_ATOMIC);
    const rows = await stack.portal.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM redemptions WHERE tx_hash = $1',
      [[...signatures][0]],
    );
    expect(rows.rows[0]?.n).toBe('1');
  });
});
