/**
 * The transaction-hash flow with its challenge binding through the other shipped gateways: NGINX
 * (the refusal goes 401 → error_page → the challenge route, which must still say why and when to
 * retry) and HAProxy (its Lua forwards only listed client headers, so `x-payment-challenge` must
 * be on the list or the binding is silently lost).
 */
import { REASONS } from '@turnpike/protocol';
import type { GatewayKind } from '../support/gateways.js';
import { PAY_NETWORK, startPaymentStack, type PaymentStack } from '../support/payments.js';
import {
  challenge,
  offerFor,
  pay,
  refusalOf,
  retryWhilePending,
  retryWithProof,
  zelfProofClient,
} from './zelfproof-client.js';

describe.each<[GatewayKind]>([['nginx'], ['haproxy']])('tx-hash proof through %s', (kind) => {
  let stack: PaymentStack;
  beforeAll(async () => {
    stack = await startPaymentStack({ gateway: kind, confirmations: 1 });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('a copied hash naming another challenge is refused; the payer waits for a confirmation, then passes once', async () => {
    const path = `/premium/${kind}/report`;
    const payer = zelfProofClient(stack.baseUrl);
    const observer = zelfProofClient(stack.baseUrl);
    const mine = (await challenge(payer, path)).details;
    const theirs = (await challenge(observer, path)).details;
    const tx = await pay(stack.payers[0]!.wallet, offerFor(mine, PAY_NETWORK, 'USDC'));
    const hits = stack.appHits(path);

    const early = refusalOf(
      await retryWithProof(payer, path, { chain: PAY_NETWORK, tx, challenge: mine.challengeId }),
    );
    expect(early.reason).toBe(REASONS.PAYMENT_PENDING);
    expect(Number(early.retryAfter)).toBeGreaterThan(0);

    await stack.mine(1);
    const copied = refusalOf(
      await retryWithProof(observer, path, { chain: PAY_NETWORK, tx, challenge: theirs.challengeId }),
    );
    expect(copied.reason).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);
    expect(stack.appHits(path)).toBe(hits);

    const paid = await retryWhilePending(
      payer,
      path,
      { chain: PAY_NETWORK, tx, challenge: mine.challengeId },
      Number(early.retryAfter),
    );
    expect(paid.status).toBe(200);
    expect(stack.appHits(path)).toBe(hits + 1);
    const token = paid.headers['x-402-token'] as string;
    expect(token).toMatch(/^ey/);

    const next = await payer.get(path, { headers: { authorization: `Bearer ${token}` } });
    expect(next.status).toBe(200);
    expect(stack.appHits(path)).toBe(hits + 2);
  });
});
