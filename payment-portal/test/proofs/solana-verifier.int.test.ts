import { decodeJwt } from 'jose';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { REASONS, type SettleResponse } from '@turnpike/protocol';
import type { PortalContext } from '../../src/context.js';
import {
  createSolanaRpcClient,
  createSolanaTxVerifier,
  SOLANA_REASONS,
  verifySolanaTxProof,
} from '../../src/proofs/solana/index.js';
import { paySol, payToken, randomAddress } from '../../../tests/support/solana/payer.js';
import { invoiceState, NETWORK, startSolanaFixture, type SolanaFixture } from './solana-fixture.js';

// Transaction-hash proofs on Solana, verified against real System / SPL Token transactions run by
// LiteSVM behind the JSON-RPC front, read back with @solana/kit at the network's commitment.
/** The jti of the token a settle answer carries (throws on a refusal). */
function jtiOf(answer: SettleResponse): string {
  if (!answer.ok) throw new Error(`refused: ${answer.reason}`);
  return String(decodeJwt(answer.token).jti);
}

describe('Solana tx proofs', () => {
  let f: SolanaFixture;
  beforeAll(async () => {
    f = await startSolanaFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  const refusal = (r: SettleResponse) => (r.ok ? 'ok' : r.reason);

  it('verifies an SPL (USDC) payment carrying the invoice reference, issues a token and redeems the invoice', async () => {
    const inv = await f.createInvoice({ asset: 'USDC', amount: '1.5' });
    const sig = await f.payUsdc(inv.reference);
    const answer = await verifySolanaTxProof(f.deps, inv.settle(sig));
    if (!answer.ok) throw new Error(`refused: ${answer.reason} ${answer.message}`);
    const { payload } = await jwtVerify(answer.token, createLocalJWKSet(f.keys.jwks), {
      issuer: 'https://portal.test',
      audience: 'shop.test',
    });
    expect(payload).toMatchObject({
      resource: '/premium',
      tier: 'gold',
      sub: f.payer.address,
      pay: { network: NETWORK, tx: sig, invoice: inv.id },
    });
    expect(await invoiceState(f.db, inv.id)).toEqual({
      status: 'redeemed',
      redeemed: true,
      received: 1_500_000n,
    });
    const redemptions = await f.db.query<{ log_index: number; amount_atomic: string }>(
      'SELECT log_index, amount_atomic FROM redemptions WHERE network = $1 AND tx_hash = $2',
      [NETWORK, sig],
    );
    expect(redemptions.rows).toEqual([{ log_index: 0, amount_atomic: '1500000' }]);
  });

  it('verifies a SOL payment from the lamport balances', async () => {
    const inv = await f.createInvoice({ asset: 'SOL', amount: '0.25' });
    const sig = await paySol(f.rpc, {
      from: f.payer,
      recipient: f.merchant,
      lamports: 250_000_000n,
      reference: inv.reference,
    });
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle(sig)))).toBe('ok');
  });

  it('credits a signature once among concurrent attempts, each of which gets the one grant; another challenge gets nothing', async () => {
    const inv = await f.createInvoice();
    const sig = await f.payUsdc(inv.reference, 1_500_001n);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => verifySolanaTxProof(f.deps, inv.settle(sig))),
    );
    expect(new Set(answers.map(jtiOf)).size).toBe(1);
    expect(jtiOf(await verifySolanaTxProof(f.deps, inv.settle(sig)))).toBe(jtiOf(answers[0]!));
    const redemptions = await f.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM redemptions WHERE tx_hash = $1',
      [sig],
    );
    expect(redemptions.rows[0]?.n).toBe('1');
    const other = await f.createInvoice();
    const named = { type: 'tx' as const, network: NETWORK, tx: sig, challenge: other.id };
    expect(refusal(await verifySolanaTxProof(f.deps, { ...inv.settle(sig), proof: named }))).toBe(
      REASONS.PAYMENT_UNBOUND,
    );
  });

  it('refuses a transfer of another mint to the wallet (payment_wrong_asset)', async () => {
    const inv = await f.createInvoice();
    const sig = await payToken(f.rpc, {
      from: f.payer,
      recipient: f.merchant,
      mint: f.otherMint,
      decimals: 6,
      amount: 1_500_000n,
      reference: inv.reference,
    });
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle(sig)))).toBe(REASONS.PAYMENT_WRONG_ASSET);
    expect((await invoiceState(f.db, inv.id)).status).toBe('pending');
  });

  it('refuses an underpayment, then accepts the top-up that completes it', async () => {
    const inv = await f.createInvoice();
    const first = await f.payUsdc(inv.reference, 1_000_000n);
    const under = await verifySolanaTxProof(f.deps, inv.settle(first));
    expect(refusal(under)).toBe(REASONS.PAYMENT_UNDERPAID);
    expect(under.ok ? '' : under.message).toContain('500000');
    expect(await invoiceState(f.db, inv.id)).toMatchObject({ status: 'seen', received: 1_000_000n });
    const topUp = await f.payUsdc(inv.reference, 500_000n);
    const paid = await verifySolanaTxProof(f.deps, inv.settle(topUp));
    expect(refusal(paid)).toBe('ok');
    // The first part is part of the payment that bought the grant: it returns that grant, no other.
    expect(jtiOf(await verifySolanaTxProof(f.deps, inv.settle(first)))).toBe(jtiOf(paid));
  });

  it('refuses a transaction that landed failed (sent with skipPreflight, so it is on chain with meta.err)', async () => {
    const inv = await f.createInvoice();
    const sig = await payToken(f.rpc, {
      from: f.payer,
      recipient: f.merchant,
      mint: f.usdcMint,
      decimals: 6,
      amount: 10n ** 15n,
      reference: inv.reference,
      skipPreflight: true,
    });
    const st = (await f.rpc.getSignatureStatuses([sig as never]).send()).value[0];
    expect(st?.err).not.toBeNull();
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle(sig)))).toBe(REASONS.PAYMENT_REVERTED);
  });

  it('refuses a payment without the invoice reference, and someone else’s transaction for another resource', async () => {
    const inv = await f.createInvoice();
    const plain = await payToken(f.rpc, {
      from: f.payer,
      recipient: f.merchant,
      mint: f.usdcMint,
      decimals: 6,
      amount: 1_500_002n,
    });
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle(plain)))).toBe(REASONS.PAYMENT_UNBOUND);
    const foreign = await f.payUsdc(await randomAddress(), 1_500_003n);
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle(foreign)))).toBe(REASONS.PAYMENT_UNBOUND);

    const other = await f.createInvoice({ resource: '/cheap', amount: '1.5' });
    const theirs = await f.payUsdc(other.reference);
    // An observer presents the /cheap invoice's payment for /premium: bound to another resource.
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle(theirs)))).toBe(REASONS.PAYMENT_UNBOUND);
    expect((await invoiceState(f.db, other.id)).status).toBe('pending');
  });

  it('refuses a payment to another wallet that carries the reference (payment_wrong_recipient)', async () => {
    const inv = await f.createInvoice();
    const sig = await payToken(f.rpc, {
      from: f.payer,
      recipient: await randomAddress(),
      mint: f.usdcMint,
      decimals: 6,
      amount: 1_500_000n,
      reference: inv.reference,
    });
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle(sig)))).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);
  });

  it('answers malformed, unknown, unknown-chain and wrong-network proofs with their own reasons', async () => {
    const inv = await f.createInvoice();
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle('0xdeadbeef')))).toBe(
      REASONS.PAYMENT_TX_MALFORMED,
    );
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle('1'.repeat(88))))).toBe(
      REASONS.PAYMENT_TX_MALFORMED,
    );
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle('5'.repeat(87))))).toBe(
      REASONS.PAYMENT_NOT_FOUND,
    );
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle('5'.repeat(87), 'no-such-chain')))).toBe(
      REASONS.PAYMENT_CHAIN_UNKNOWN,
    );
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle('5'.repeat(87), 'solana')))).toBe(
      REASONS.PAYMENT_WRONG_NETWORK,
    );
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle('5'.repeat(87), 'base')))).toBe(
      REASONS.PAYMENT_WRONG_NETWORK,
    );
  });

  it('answers payment_pending (with Retry-After) below the commitment, and verifies once it is reached', async () => {
    const inv = await f.createInvoice();
    f.front.setLandAt('processed');
    const sig = await f.payUsdc(inv.reference, 1_500_004n);
    f.front.setLandAt('finalized');
    const pending = await verifySolanaTxProof(f.deps, inv.settle(sig));
    expect(pending).toMatchObject({ ok: false, reason: REASONS.PAYMENT_PENDING, retryAfterSeconds: 2 });
    f.front.setCommitment(sig, 'confirmed');
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle(sig)))).toBe('ok');
  });

  it('refuses a transaction older than its invoice (payment_too_old)', async () => {
    const inv = await f.createInvoice();
    const sig = await f.payUsdc(inv.reference, 1_500_005n);
    // The reference is random, so only a clock gap can make this happen: move the invoice past the tolerance.
    await f.db.query(`UPDATE invoices SET created_at = now() + interval '5 minutes' WHERE id = $1`, [inv.id]);
    expect(refusal(await verifySolanaTxProof(f.deps, inv.settle(sig)))).toBe(REASONS.PAYMENT_TOO_OLD);
  });

  it('fails closed with chain_unavailable (Retry-After) when every RPC endpoint is down, crediting nothing', async () => {
    const inv = await f.createInvoice();
    const sig = await f.payUsdc(inv.reference, 1_500_006n);
    const dead = createSolanaRpcClient({ urls: ['http://127.0.0.1:9'], timeoutMs: 2_000 });
    f.front.setDown(true);
    try {
      const both = createSolanaRpcClient({ urls: [f.front.url, 'http://127.0.0.1:9'], timeoutMs: 2_000 });
      for (const client of [dead, both]) {
        const answer = await verifySolanaTxProof({ ...f.deps, rpcFor: () => client }, inv.settle(sig));
        expect(answer).toMatchObject({
          ok: false,
          reason: SOLANA_REASONS.CHAIN_UNAVAILABLE,
          retryAfterSeconds: 5,
        });
      }
    } finally {
      f.front.setDown(false);
    }
    expect((await invoiceState(f.db, inv.id)).status).toBe('pending');
    // Failover: a dead first endpoint, then the live one.
    const failover = createSolanaRpcClient({ urls: ['http://127.0.0.1:9', f.front.url], timeoutMs: 2_000 });
    expect(refusal(await verifySolanaTxProof({ ...f.deps, rpcFor: () => failover }, inv.settle(sig)))).toBe(
      'ok',
    );
  });

  it('createSolanaTxVerifier reads the RPC URLs and timeout from the portal context and counts its calls', async () => {
    const inv = await f.createInvoice();
    const sig = await f.payUsdc(inv.reference, 1_500_007n);
    const counted: string[] = [];
    const ctx = (rpcUrls: Map<string, string[]>) =>
      ({
        db: f.db,
        registry: f.registry,
        keys: f.keys,
        config: {
          issuer: 'https://portal.test',
          invoice: { latePaymentUnlocks: true },
          watchers: { [NETWORK]: { rpcTimeoutMs: 2_000 } },
          wallets: { solana: { address: f.merchant } },
        },
        sealKeys: { challenge: f.deps.challengeKey },
        // Every host is the config-file site's (docs/sites.md), paid to the merchant's wallet.
        sites: { resolve: () => ({ id: 'default', solanaWallet: f.merchant }) },
        rpcUrls,
        metrics: {
          rpcCalls: {
            inc: (labels: { method: string; outcome: string }) =>
              counted.push(`${labels.method}:${labels.outcome}`),
          },
          tokensIssued: { inc: () => undefined },
        },
        logger: f.deps.logger,
      }) as unknown as PortalContext;
    const verifier = createSolanaTxVerifier();
    expect(refusal(await verifier(inv.settle(sig), ctx(new Map())))).toBe(REASONS.PAYMENT_CHAIN_UNKNOWN);
    expect(refusal(await verifier(inv.settle(sig), ctx(new Map([[NETWORK, [f.front.url]]]))))).toBe('ok');
    expect(counted).toContain('getTransaction:ok');
  });
});
