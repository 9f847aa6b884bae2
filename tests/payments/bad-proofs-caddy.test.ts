import { decodeJwt } from 'jose';
/**
 * Bad payment proofs through real Caddy + authz-service + payment-portal on anvil: each one is
 * refused with a 402 whose body names its own reason, and nothing reaches the upstream.
 */
import { REASONS } from '@turnpike/protocol';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { Wallet } from 'ethers';
import { privateKeyToAccount } from 'viem/accounts';
import { PAY_NETWORK, devAccount, startPaymentStack, type PaymentStack } from '../support/payments.js';
import { firstRequirement, paymentSignature, type AuthorizationOverrides } from './x402-payload.js';
import {
  challenge,
  offerFor,
  pay,
  refusalOf,
  retryWithProof,
  sendToken,
  zelfProofClient,
} from './zelfproof-client.js';

let stack: PaymentStack;

beforeAll(async () => {
  stack = await startPaymentStack({ gateway: 'caddy', confirmations: 1 });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** A fresh challenge on `path`, its USDC offer, and a client that holds them. */
async function usdcChallenge(path: string) {
  const client = zelfProofClient(stack.baseUrl);
  const first = await challenge(client, path);
  return {
    client,
    challengeId: first.details.challengeId,
    offer: offerFor(first.details, PAY_NETWORK, 'USDC'),
  };
}

async function expectRefused(
  path: string,
  proof: { chain: string; tx: string; challenge?: string },
  reason: string,
): Promise<void> {
  const hits = stack.appHits(path);
  const refusal = refusalOf(await retryWithProof(zelfProofClient(stack.baseUrl), path, proof));
  expect(refusal.reason).toBe(reason);
  expect(stack.appHits(path)).toBe(hits);
}

describe('bad transaction-hash proofs through Caddy', () => {
  it('a malformed hash (refused by the authorizer, and by the portal when it looks like a hash)', async () => {
    const { challengeId } = await usdcChallenge('/premium/bad/hash');
    await expectRefused(
      '/premium/bad/hash',
      { chain: PAY_NETWORK, tx: 'not a hash!', challenge: challengeId },
      REASONS.PAYMENT_TX_MALFORMED,
    );
    await expectRefused(
      '/premium/bad/hash',
      { chain: PAY_NETWORK, tx: '0xabc123def4567890', challenge: challengeId },
      REASONS.PAYMENT_TX_MALFORMED,
    );
  });

  it('a hash without its challenge, and a challenge altered or for another resource', async () => {
    const path = '/premium/bad/challenge';
    const { offer, challengeId } = await usdcChallenge(path);
    const tx = await pay(stack.payers[0]!.wallet, offer);
    await stack.mine(1);
    await expectRefused(path, { chain: PAY_NETWORK, tx }, REASONS.PAYMENT_CHALLENGE_REQUIRED);
    const [body, mac] = challengeId.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { o: Array<{ t: string }> };
    const cheaper = Buffer.from(
      JSON.stringify({ ...claims, o: claims.o.map((o) => ({ ...o, t: '1' })) }),
    ).toString('base64url');
    await expectRefused(
      path,
      { chain: PAY_NETWORK, tx, challenge: `${cheaper}.${mac}` },
      REASONS.PAYMENT_CHALLENGE_INVALID,
    );
    const elsewhere = await usdcChallenge('/premium/bad/elsewhere');
    await expectRefused(
      path,
      { chain: PAY_NETWORK, tx, challenge: elsewhere.challengeId },
      REASONS.PAYMENT_CHALLENGE_MISMATCH,
    );
  });

  it('an unknown chain', async () => {
    await expectRefused(
      '/premium/bad/chain',
      { chain: 'narnia', tx: `0x${'ab'.repeat(32)}` },
      REASONS.PAYMENT_CHAIN_UNKNOWN,
    );
  });

  it('the wrong chain (a real payment, named on a chain the resource is not offered on)', async () => {
    const path = '/premium/bad/wrong-chain';
    const { offer, challengeId } = await usdcChallenge(path);
    const tx = await pay(stack.payers[0]!.wallet, offer);
    await stack.mine(1);
    await expectRefused(path, { chain: 'base', tx, challenge: challengeId }, REASONS.PAYMENT_WRONG_NETWORK);
  });

  it('a reverted transaction', async () => {
    const path = '/premium/bad/reverted';
    const { offer, challengeId } = await usdcChallenge(path);
    // More than the payer holds, with a fixed gas limit so it is mined (and reverts) instead of failing estimation.
    const tx = await sendToken(stack.payers[0]!.wallet, offer.asset.address!, offer.payTo, 10n ** 15n, {
      gasLimit: 200_000n,
    });
    expect((await stack.provider.getTransactionReceipt(tx))?.status).toBe(0);
    await stack.mine(1);
    await expectRefused(path, { chain: PAY_NETWORK, tx, challenge: challengeId }, REASONS.PAYMENT_REVERTED);
  });

  it('an underpayment', async () => {
    const path = '/premium/bad/underpaid';
    const { offer, challengeId } = await usdcChallenge(path);
    const tx = await pay(stack.payers[0]!.wallet, offer, BigInt(offer.atomic) / 2n);
    await stack.mine(1);
    await expectRefused(path, { chain: PAY_NETWORK, tx, challenge: challengeId }, REASONS.PAYMENT_UNDERPAID);
  });

  it('the right amount of another token contract (same name, symbol and Transfer event)', async () => {
    const path = '/premium/bad/other-token';
    const { offer, challengeId } = await usdcChallenge(path);
    const tx = await sendToken(
      stack.payers[0]!.wallet,
      stack.lookAlike.address,
      offer.payTo,
      BigInt(offer.atomic),
    );
    await stack.mine(1);
    await expectRefused(
      path,
      { chain: PAY_NETWORK, tx, challenge: challengeId },
      REASONS.PAYMENT_WRONG_ASSET,
    );
  });

  it("someone else's transaction presented for another challenge of the same resource (challenge binding)", async () => {
    const path = '/premium/bad/copied';
    const victim = await usdcChallenge(path);
    const attacker = await usdcChallenge(path);
    expect(attacker.challengeId).not.toBe(victim.challengeId);
    const tx = await pay(stack.payers[2]!.wallet, victim.offer);
    await stack.mine(1);
    // The attacker copies the hash from the chain and names its own challenge.
    await expectRefused(
      path,
      { chain: PAY_NETWORK, tx, challenge: attacker.challengeId },
      REASONS.PAYMENT_WRONG_RECIPIENT,
    );
    // The payer still gets what it paid for.
    const paid = await retryWithProof(victim.client, path, {
      chain: PAY_NETWORK,
      tx,
      challenge: victim.challengeId,
    });
    expect(paid.status).toBe(200);
  });
});

describe('one payment, many presentations through Caddy', () => {
  it('100 concurrent retries of one proof with its challenge: one credit, all get the one grant; 50 observers with their own challenges get nothing', async () => {
    const path = '/premium/bad/concurrent';
    const { offer, challengeId } = await usdcChallenge(path);
    const observers = await Promise.all(Array.from({ length: 50 }, () => usdcChallenge(path)));
    const tx = await pay(stack.payers[1]!.wallet, offer);
    await stack.mine(1);
    const hits = stack.appHits(path);
    const [answers, stolen] = await Promise.all([
      Promise.all(
        Array.from({ length: 100 }, () =>
          retryWithProof(zelfProofClient(stack.baseUrl), path, {
            chain: PAY_NETWORK,
            tx,
            challenge: challengeId,
          }),
        ),
      ),
      Promise.all(
        observers.map((o) =>
          retryWithProof(zelfProofClient(stack.baseUrl), path, {
            chain: PAY_NETWORK,
            tx,
            challenge: o.challengeId,
          }),
        ),
      ),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array<number>(100).fill(200));
    expect(new Set(answers.map((a) => decodeJwt(a.headers['x-402-token'] as string).jti)).size).toBe(1);
    expect(new Set(stolen.map((a) => `${a.status} ${(a.data as { reason?: string }).reason}`))).toEqual(
      new Set([`402 ${REASONS.PAYMENT_WRONG_RECIPIENT}`]),
    );
    expect(stack.appHits(path)).toBe(hits + 100);
  });
});

describe('bad x402 proofs through Caddy', () => {
  it('a PAYMENT-SIGNATURE presented again after it was settled: the same grant, nothing settled twice', async () => {
    const path = '/premium/bad/x402-replay';
    let signature: string | undefined;
    const recording: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      signature ??= request.headers.get('payment-signature') ?? undefined;
      return fetch(request);
    };
    const client = new x402Client().setSpendControls(false);
    registerExactEvmScheme(client, { signer: privateKeyToAccount(stack.payers[3]!.privateKey) });
    const first = await wrapFetchWithPayment(recording, client)(`${stack.baseUrl}${path}`, {
      headers: { accept: 'application/json' },
    });
    expect(first.status).toBe(200);
    expect(signature).toBeDefined();

    const hits = stack.appHits(path);
    const payee = first.headers.get('payment-response');
    const balance = await stack.usdc.balanceOf(stack.payers[3]!.wallet.address);
    const replay = await fetch(`${stack.baseUrl}${path}`, {
      headers: { accept: 'application/json', 'payment-signature': signature! },
    });
    expect(replay.status).toBe(200);
    expect(decodeJwt(replay.headers.get('x-402-token')!).jti).toBe(
      decodeJwt(first.headers.get('x-402-token')!).jti,
    );
    // The receipt names the one settlement; the payer's balance did not move again.
    expect(replay.headers.get('payment-response')).toBe(payee);
    expect(await stack.usdc.balanceOf(stack.payers[3]!.wallet.address)).toBe(balance);
    expect(stack.appHits(path)).toBe(hits + 1);
  });

  const now = () => BigInt(Math.floor(Date.now() / 1000));
  it.each<[string, (payTo: string, amount: bigint) => AuthorizationOverrides, string, number]>([
    ['an expired authorization', () => ({ validBefore: now() + 2n }), REASONS.X402_AUTHORIZATION_EXPIRED, 0],
    ['one not valid yet', () => ({ validAfter: now() + 600n }), REASONS.X402_AUTHORIZATION_NOT_YET_VALID, 0],
    [
      'one signed by someone else',
      () => ({ from: devAccount(2).address as `0x${string}` }),
      REASONS.X402_SIGNATURE_INVALID,
      0,
    ],
    [
      'one for another payTo',
      () => ({ to: Wallet.createRandom().address as `0x${string}` }),
      REASONS.X402_RECIPIENT_MISMATCH,
      0,
    ],
    ['one for a smaller value', (_p, amount) => ({ value: amount - 1n }), REASONS.X402_VALUE_MISMATCH, 0],
    ['one from a payer without the funds', () => ({}), REASONS.X402_INSUFFICIENT_BALANCE, 7],
  ])('%s', async (name, overrides, reason, signerIndex) => {
    const path = `/premium/bad/x402-${name.replaceAll(' ', '-')}`;
    const first = await fetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json' } });
    expect(first.status).toBe(402);
    const accepted = firstRequirement(first.headers.get('payment-required') ?? '');
    const signer = signerIndex === 0 ? stack.payers[3]! : devAccount(signerIndex);
    const header = await paymentSignature(
      privateKeyToAccount(signer.privateKey),
      accepted,
      overrides(accepted.payTo, BigInt(accepted.amount)),
    );
    const balance = await stack.usdc.balanceOf(accepted.payTo);
    const hits = stack.appHits(path);
    const res = await fetch(`${stack.baseUrl}${path}`, {
      headers: { accept: 'application/json', 'payment-signature': header },
    });
    // A malformed payment is not a payment the client can retry as is: see issue 10 for its status.
    expect(res.status).toBe(402);
    expect(((await res.json()) as { reason: string }).reason).toBe(reason);
    expect(stack.appHits(path)).toBe(hits);
    expect(await stack.usdc.balanceOf(accepted.payTo)).toBe(balance);
  });

  it('(control) the same hand-built authorization, unaltered, pays', async () => {
    const path = '/premium/bad/x402-control';
    const first = await fetch(`${stack.baseUrl}${path}`, { headers: { accept: 'application/json' } });
    const accepted = firstRequirement(first.headers.get('payment-required') ?? '');
    const header = await paymentSignature(privateKeyToAccount(stack.payers[3]!.privateKey), accepted);
    const before = await stack.usdc.balanceOf(accepted.payTo);
    const res = await fetch(`${stack.baseUrl}${path}`, {
      headers: { accept: 'application/json', 'payment-signature': header },
    });
    expect(res.status).toBe(200);
    // Every x402 payment goes to the portal's one x402 address: it grew by the price.
    expect(await stack.usdc.balanceOf(accepted.payTo)).toBe(before + BigInt(accepted.amount));
  });
});
