import { decodeJwt } from 'jose';
import { REASONS, type SettleResponse } from '@turnpike/protocol';
import { Wallet, parseEther } from 'ethers';
import { createProofHandlers, proofsConfigSchema, type ProofVerifier } from '../../src/proofs/index.js';
import { getInvoice } from '../../src/invoices/get-invoice.js';
import { redeemPayment } from '../../src/storage/index.js';
import {
  DEFAULT_REQUEST,
  payerSend,
  startEvmStand,
  startProofCore,
  tokenTransfer,
  unbound,
  type EvmStand,
  type ProofCore,
  type SealedChallenge,
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
const bound = (tx: string, challenge: string, network = 'anvil') => ({ ...txProof(tx, network), challenge });
/** The settle request of a proof against a sealed challenge, as the authorizer sends it. */
const against = (c: SealedChallenge, tx: string, network = 'anvil') =>
  core.settleRequest(c.wire, bound(tx, c.id, network), c.claims.r);

function refused(r: SettleResponse): {
  reason: string;
  message: string;
  retryAfterSeconds?: number | undefined;
} {
  if (r.ok) throw new Error('expected a refusal, got a token');
  return r;
}

describe('EVM transaction-hash proofs against a sealed challenge (the default: no 402 wrote anything)', () => {
  it('credits a USDC transfer to the challenge address once; the same proof again returns the same grant', async () => {
    const before = await rowCount('invoices');
    const c = await core.challenge();
    // Minting the challenge wrote no invoice (its address came from a leased index range).
    expect(await rowCount('invoices')).toBe(before);
    const tx = await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n);
    const first = await verify(against(c, tx), core.pctx);
    if (!first.ok) throw new Error(`refused: ${first.reason} ${first.message}`);
    const claims = decodeJwt(first.token);
    expect(claims).toMatchObject({
      aud: 'shop.test',
      resource: '/premium',
      tier: 'gold',
      sub: stand.payer.address.toLowerCase(),
      pay: { network: 'anvil', tx: tx.toLowerCase() },
    });
    const invoiceId = (claims.pay as { invoice: string }).invoice;
    const invoice = await getInvoice(core.db, invoiceId);
    expect(invoice).toMatchObject({ status: 'redeemed', source: 'proof' });
    // Recorded for sweeping: the challenge's derivation index and address.
    const recorded = await core.db.query<{ derivation_index: string; address: string }>(
      'SELECT derivation_index, address FROM challenge_addresses WHERE invoice_id = $1',
      [invoiceId],
    );
    expect(recorded.rows).toEqual([{ derivation_index: String(c.claims.i), address: c.payTo }]);
    expect(core.deriver.challengeAddress(c.claims.i!)).toBe(c.payTo);

    // The same proof with the same challenge, again (a retry, another replica): the same grant.
    const again = await verify(against(c, tx), core.pctx);
    if (!again.ok) throw new Error(`refused: ${again.reason}`);
    expect(decodeJwt(again.token)).toMatchObject({ jti: claims.jti, exp: claims.exp, pay: claims.pay });
    expect(await rowCount('redemptions', 'tx_hash', tx.toLowerCase())).toBe(1);
  });

  it('credits a native ETH payment', async () => {
    const c = await core.challenge();
    const tx = await payerSend(stand, { to: c.payTo, value: parseEther('0.001') });
    expect((await verify(against(c, tx), core.pctx)).ok).toBe(true);
  });

  it("refuses an observer who copies the payer's hash with a challenge of their own, and the payer still gets in", async () => {
    const payer = await core.challenge();
    const observer = await core.challenge();
    const tx = await tokenTransfer(stand, stand.usdc, payer.payTo, 1_000_000n);
    expect(refused(await verify(against(observer, tx), core.pctx)).reason).toBe(
      REASONS.PAYMENT_WRONG_RECIPIENT,
    );
    // Without a challenge at all (the original ZelfProof retry): refused on a bound resource.
    expect(refused(await verify(core.settleRequest(payer.wire, txProof(tx)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_CHALLENGE_REQUIRED,
    );
    expect((await verify(against(payer, tx), core.pctx)).ok).toBe(true);
    // Once credited, the hash under any other binding buys nothing.
    expect(refused(await verify(against(observer, tx), core.pctx)).reason).toBe(
      REASONS.PAYMENT_WRONG_RECIPIENT,
    );
  });

  it('refuses a second transaction presented for a challenge that was already paid', async () => {
    const c = await core.challenge();
    const first = await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n);
    const second = await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n);
    expect((await verify(against(c, first), core.pctx)).ok).toBe(true);
    const r = refused(await verify(against(c, second), core.pctx));
    expect(r.reason).toBe(REASONS.PAYMENT_ALREADY_REDEEMED);
  });

  it('refuses an altered or foreign challenge, and one issued for another resource', async () => {
    const c = await core.challenge();
    const tx = await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n);
    const [body, mac] = c.id.split('.') as [string, string];
    const cheaper = Buffer.from(
      JSON.stringify({ ...c.claims, o: c.claims.o.map((o) => ({ ...o, t: '1' })) }),
    ).toString('base64url');
    expect(
      refused(await verify(core.settleRequest(c.wire, bound(tx, `${cheaper}.${mac}`)), core.pctx)).reason,
    ).toBe(REASONS.PAYMENT_CHALLENGE_INVALID);
    expect(
      refused(await verify(core.settleRequest(c.wire, bound(tx, `${body}.${'A'.repeat(43)}`)), core.pctx))
        .reason,
    ).toBe(REASONS.PAYMENT_CHALLENGE_INVALID);
    expect(
      refused(await verify(core.settleRequest(c.wire, bound(tx, 'not-a-challenge-id-at-all.x')), core.pctx))
        .reason,
    ).toBe(REASONS.PAYMENT_CHALLENGE_INVALID);
    expect(
      refused(await verify(core.settleRequest(c.wire, bound(tx, c.id), '/elsewhere'), core.pctx)).reason,
    ).toBe(REASONS.PAYMENT_CHALLENGE_MISMATCH);
    expect((await verify(against(c, tx), core.pctx)).ok).toBe(true);
  });

  it('refuses a malformed hash, an unknown chain, a chain not offered, and a transaction that does not exist', async () => {
    const c = await core.challenge();
    expect(refused(await verify(against(c, '0x1234'), core.pctx)).reason).toBe(REASONS.PAYMENT_TX_MALFORMED);
    expect(refused(await verify(against(c, `0x${'ab'.repeat(32)}`, 'dogechain'), core.pctx)).reason).toBe(
      REASONS.PAYMENT_CHAIN_UNKNOWN,
    );
    const tx = await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n);
    expect(refused(await verify(against(c, tx, 'other'), core.pctx)).reason).toBe(
      REASONS.PAYMENT_WRONG_NETWORK,
    );
    expect(refused(await verify(against(c, `0x${'ab'.repeat(32)}`), core.pctx)).reason).toBe(
      REASONS.PAYMENT_NOT_FOUND,
    );
  });

  it('refuses a reverted transaction', async () => {
    const c = await core.challenge();
    const { Interface } = await import('ethers');
    const data = new Interface(['function transfer(address,uint256)']).encodeFunctionData('transfer', [
      c.payTo,
      10n ** 18n,
    ]);
    // A fixed gas limit skips estimation, so the overspend is mined and reverts.
    const sent = await stand.payer.sendTransaction({ to: stand.usdc.address, data, gasLimit: 200_000n });
    await sent.wait().catch(() => undefined);
    expect(refused(await verify(against(c, sent.hash), core.pctx)).reason).toBe(REASONS.PAYMENT_REVERTED);
  });

  it('refuses the right amount of a look-alike token (another contract emitting Transfer)', async () => {
    const c = await core.challenge();
    const tx = await tokenTransfer(stand, stand.fake, c.payTo, 1_000_000n);
    expect(refused(await verify(against(c, tx), core.pctx)).reason).toBe(REASONS.PAYMENT_WRONG_ASSET);
  });

  it('refuses an underpayment and says what is left', async () => {
    const c = await core.challenge();
    const tx = await tokenTransfer(stand, stand.usdc, c.payTo, 400_000n);
    const r = refused(await verify(against(c, tx), core.pctx));
    expect(r.reason).toBe(REASONS.PAYMENT_UNDERPAID);
    expect(r.message).toContain('600000 left');
  });

  it('answers payment_pending with Retry-After until the confirmations are reached', async () => {
    const config = await proofsConfigSchema.parseAsync({
      tx: { networks: { anvil: { confirmations: 3, blockTimeSeconds: 2 } } },
    });
    const deep = createProofHandlers({ config }).tx!;
    const c = await core.challenge();
    const tx = await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n);
    const pending = refused(await deep(against(c, tx), core.pctx));
    expect(pending.reason).toBe(REASONS.PAYMENT_PENDING);
    expect(pending.retryAfterSeconds).toBe(6);
    await stand.anvil.rpc('anvil_mine', ['0x3']);
    expect((await deep(against(c, tx), core.pctx)).ok).toBe(true);
  });

  it('answers payment_pending for a transaction not mined yet', async () => {
    const c = await core.challenge();
    await stand.anvil.rpc('evm_setAutomine', [false]);
    try {
      const { Interface } = await import('ethers');
      const data = new Interface(['function transfer(address,uint256)']).encodeFunctionData('transfer', [
        c.payTo,
        1_000_000n,
      ]);
      const sent = await stand.payer.sendTransaction({ to: stand.usdc.address, data, gasLimit: 100_000n });
      expect(refused(await verify(against(c, sent.hash), core.pctx)).reason).toBe(REASONS.PAYMENT_PENDING);
    } finally {
      await stand.anvil.rpc('evm_setAutomine', [true]);
      await stand.anvil.rpc('evm_mine', []);
    }
  });

  it('refuses a transaction older than its challenge, older than the maximum age, or mined after expiry', async () => {
    // A challenge issued an hour after the transfer was mined.
    const early = await core.challenge({ now: () => Date.now() + 3_600_000 });
    const before = await tokenTransfer(stand, stand.usdc, early.payTo, 1_000_000n);
    expect(refused(await verify(against(early, before), core.pctx)).reason).toBe(REASONS.PAYMENT_TOO_OLD);

    const aged = await core.challenge();
    const tx = await tokenTransfer(stand, stand.usdc, aged.payTo, 1_000_000n);
    const later = { ...core.pctx, now: () => Date.now() + 2 * 3_600_000 };
    const strict = createProofHandlers({
      config: await proofsConfigSchema.parseAsync({
        tx: { networks: { anvil: { maxTxAgeSeconds: 3_600 } } },
      }),
    }).tx!;
    expect(refused(await strict(against(aged, tx), later)).reason).toBe(REASONS.PAYMENT_TOO_OLD);

    // A challenge issued two hours ago (it expired 30 minutes later).
    const expired = await core.challenge({ now: () => Date.now() - 2 * 3_600_000 });
    const late = await tokenTransfer(stand, stand.usdc, expired.payTo, 1_000_000n);
    expect(refused(await verify(against(expired, late), core.pctx)).reason).toBe(REASONS.PAYMENT_EXPIRED);
  });

  it('answers chain_unavailable (nothing credited) when every RPC endpoint is down', async () => {
    const c = await core.challenge();
    const tx = await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n);
    const down = {
      ...core.pctx,
      rpcUrls: new Map([['anvil', ['http://127.0.0.1:9']]]),
      rpcTimeoutMs: () => 500,
    };
    expect(refused(await verify(against(c, tx), down)).reason).toBe('chain_unavailable');
    expect((await verify(against(c, tx), core.pctx)).ok).toBe(true);
  });

  it('a re-presented proof gets its grant from the ledger whatever the chain reads do (they start alongside the lookup)', async () => {
    const c = await core.challenge();
    const tx = await tokenTransfer(stand, stand.usdc, c.payTo, 1_000_000n);
    const first = await verify(against(c, tx), core.pctx);
    if (!first.ok) throw new Error(`refused: ${first.reason}`);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    // Every endpoint refuses at once (a closed port) or never answers in time (an unroutable
    // address): the reads fail while or after the ledger answers, and neither outcome may win.
    for (const url of ['http://127.0.0.1:9', 'http://10.255.255.1:8545']) {
      const down = { ...core.pctx, rpcUrls: new Map([['anvil', [url]]]), rpcTimeoutMs: () => 300 };
      const again = await verify(against(c, tx), down);
      if (!again.ok) throw new Error(`refused: ${again.reason}`);
      expect(decodeJwt(again.token).jti).toBe(decodeJwt(first.token).jti);
    }
    // No RPC endpoint configured for the network at all: the grant still comes back.
    const none = { ...core.pctx, rpcUrls: new Map<string, string[]>() };
    const kept = await verify(against(c, tx), none);
    if (!kept.ok) throw new Error(`refused: ${kept.reason}`);
    expect(decodeJwt(kept.token).jti).toBe(decodeJwt(first.token).jti);
    // The rejected reads of those attempts settle after their grants: let them, then check none
    // was left unhandled (Node reports it on a later turn; by default it ends the process).
    await new Promise((resolve) => setTimeout(resolve, 400));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
});

describe('recorded challenges (resources that accept unbound proofs) and pay-page invoices', () => {
  it('credits a hash naming its recorded challenge only to that challenge, and returns the grant again', async () => {
    const victim = await core.invoice({ json: unbound(DEFAULT_REQUEST) });
    const attacker = await core.invoice({ json: unbound(DEFAULT_REQUEST) });
    const tx = await tokenTransfer(stand, stand.usdc, victim.usdcPayTo, 1_000_000n);
    expect(
      refused(await verify(core.settleRequest(attacker.wire, bound(tx, attacker.invoice.id)), core.pctx))
        .reason,
    ).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);
    const paid = await verify(core.settleRequest(victim.wire, bound(tx, victim.invoice.id)), core.pctx);
    if (!paid.ok) throw new Error(`refused: ${paid.reason}`);
    expect(decodeJwt(paid.token)).toMatchObject({ pay: { invoice: victim.invoice.id } });
    const again = await verify(core.settleRequest(victim.wire, bound(tx, victim.invoice.id)), core.pctx);
    if (!again.ok) throw new Error(`refused: ${again.reason}`);
    expect(decodeJwt(again.token).jti).toBe(decodeJwt(paid.token).jti);
    expect((await getInvoice(core.db, attacker.invoice.id))?.status).not.toBe('redeemed');
  });

  it('takes a bare hash only where the resource opted in, and never for an invoice opened on a pay page', async () => {
    const bare = await core.invoice();
    const t1 = await tokenTransfer(stand, stand.usdc, bare.usdcPayTo, 1_000_000n);
    expect(refused(await verify(core.settleRequest(bare.wire, txProof(t1)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_CHALLENGE_REQUIRED,
    );
    const opted = await core.invoice({ json: unbound(DEFAULT_REQUEST) });
    const t2 = await tokenTransfer(stand, stand.usdc, opted.usdcPayTo, 1_000_000n);
    expect((await verify(core.settleRequest(opted.wire, txProof(t2)), core.pctx)).ok).toBe(true);

    // A browser's invoice, paid and credited by the watcher: the hash is on chain for anyone.
    const page = await core.invoice({ json: unbound(DEFAULT_REQUEST), source: 'pay_page' });
    const t3 = await tokenTransfer(stand, stand.usdc, page.usdcPayTo, 1_000_000n);
    await creditAsWatcher(page.invoice.id, t3);
    expect(refused(await verify(core.settleRequest(page.wire, txProof(t3)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_WRONG_RECIPIENT,
    );
    expect(
      refused(await verify(core.settleRequest(page.wire, bound(t3, page.invoice.id)), core.pctx)).reason,
    ).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);
    expect((await getInvoice(core.db, page.invoice.id))?.tokenJti).toBeNull();
  });

  it('takes over a payment the watcher credited to a recorded challenge, and hands out that one grant', async () => {
    const { invoice, wire, usdcPayTo } = await core.invoice({ json: unbound(DEFAULT_REQUEST) });
    const tx = await tokenTransfer(stand, stand.usdc, usdcPayTo, 1_000_000n);
    await creditAsWatcher(invoice.id, tx);
    const first = await verify(core.settleRequest(wire, bound(tx, invoice.id)), core.pctx);
    const second = await verify(core.settleRequest(wire, txProof(tx)), core.pctx);
    if (!first.ok || !second.ok) throw new Error('refused');
    expect(decodeJwt(second.token).jti).toBe(decodeJwt(first.token).jti);
  });

  it('refuses a transfer to a fixed wallet unless the resource opted in; then its hash buys one grant', async () => {
    const wallet = Wallet.createRandom().address;
    const json = {
      claims: {},
      exp: 60_000,
      payment: { requests: [{ network: 'anvil', amount: '1', asset: 'USDC', address: wallet }] },
    };
    const { wire } = await core.invoice({ json });
    const tx = await tokenTransfer(stand, stand.usdc, wallet, 1_000_000n);
    expect(refused(await verify(core.settleRequest(wire, txProof(tx)), core.pctx)).reason).toBe(
      REASONS.PAYMENT_CHALLENGE_REQUIRED,
    );
    const opted = (await core.invoice({ json: unbound(json) })).wire;
    const first = await verify(core.settleRequest(opted, txProof(tx)), core.pctx);
    const again = await verify(core.settleRequest(opted, txProof(tx)), core.pctx);
    if (!first.ok || !again.ok) throw new Error('refused');
    expect(decodeJwt(again.token).jti).toBe(decodeJwt(first.token).jti);
  });
});

/** What the watcher writes when an invoice it watches becomes paid. */
async function creditAsWatcher(invoiceId: string, tx: string): Promise<void> {
  const receipt = (await stand.anvil.rpc('eth_getTransactionReceipt', [tx])) as {
    logs: Array<{ logIndex: string }>;
  };
  await redeemPayment(core.db, {
    network: 'anvil',
    txHash: tx.toLowerCase(),
    logIndex: Number(receipt.logs[0]!.logIndex),
    invoiceId,
    asset: stand.usdc.address.toLowerCase(),
    amountAtomic: 1_000_000n,
  });
  await core.db.query(`UPDATE invoices SET status = 'paid', paid_at = now() WHERE id = $1`, [invoiceId]);
}

async function rowCount(table: string, column?: string, value?: string): Promise<number> {
  const r = await core.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${table}${column === undefined ? '' : ` WHERE ${column} = $1`}`,
    column === undefined ? [] : [value],
  );
  return Number(r.rows[0]?.n);
}
