import { privateKeyToAccount } from 'viem/accounts';
import { x402Client } from '@x402/core/client';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { decodeJwt } from 'jose';
import { Contract, Wallet } from 'ethers';
import { createNetworkRegistry, localAnvilNetwork, REASONS, type SettleResponse } from '@turnpike/protocol';
import { Secret } from '@turnpike/protocol/service';
import { Registry } from 'prom-client';
import {
  createProofHandlers,
  createRelayer,
  EIP3009_ABI,
  proofsConfigSchema,
  registerRelayerMetrics,
  type ProofVerifier,
  type Relayer,
} from '../../src/proofs/index.js';
import { getInvoice } from '../../src/invoices/get-invoice.js';
import { devProvider } from '../../../tests/support/anvil.js';
import { startEvmStand, startProofCore, type EvmStand, type ProofCore } from './support/evm-proof-fixture.js';
import { signAuthorization, v1Payload, v2Payload, v2Requirement } from './support/x402-payloads.js';

let stand: EvmStand;
let core: ProofCore;
let relayer: Relayer;
let settle: ProofVerifier;

beforeAll(async () => {
  stand = await startEvmStand();
  core = await startProofCore(stand);
  relayer = createRelayer({
    key: new Secret(stand.relayerKey),
    rpcUrls: core.pctx.rpcUrls,
    networks: [stand.network],
    rpcTimeoutMs: 5_000,
  });
  process.env.TEST_RELAYER_KEY = stand.relayerKey;
  const config = await proofsConfigSchema.parseAsync({
    x402: { mode: 'relayer', relayerKey: { fromEnv: 'TEST_RELAYER_KEY' } },
  });
  settle = createProofHandlers({ config, relayer }).x402!;
});

afterAll(async () => {
  delete process.env.TEST_RELAYER_KEY;
  await core?.close();
  await stand?.close();
});

const PRICE = 1_000_000n;
const x402 = (version: 1 | 2, payload: unknown) => ({ type: 'x402' as const, version, payload });

function refused(r: SettleResponse): string {
  if (r.ok) throw new Error('expected a refusal, got a token');
  return r.reason;
}

describe('x402 exact on EVM, settled by the relayer', () => {
  it('settles a v2 authorization on chain, credits it and returns the receipt and a token', async () => {
    const { invoice, wire, usdcPayTo } = await core.invoice();
    const exact = await signAuthorization(stand, usdcPayTo, PRICE);
    const r = await settle(
      core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))),
      core.pctx,
    );
    if (!r.ok) throw new Error(`refused: ${r.reason} ${r.message}`);
    expect(r.receipt).toMatchObject({ success: true, network: 'eip155:31337', payer: stand.payer.address });
    const transaction = (r.receipt as { transaction: string }).transaction;
    expect(decodeJwt(r.token)).toMatchObject({
      aud: 'shop.test',
      resource: '/premium',
      pay: { network: 'anvil', tx: transaction, invoice: invoice.id },
    });
    expect(await stand.usdc.balanceOf(usdcPayTo)).toBe(PRICE);
    expect((await getInvoice(core.db, invoice.id))?.status).toBe('redeemed');
    const rows = await core.db.query<{ status: string; tx_hash: string }>(
      'SELECT status, tx_hash FROM redemptions WHERE invoice_id = $1',
      [invoice.id],
    );
    expect(rows.rows).toEqual([{ status: 'settled', tx_hash: transaction }]);

    // The same authorization again: nothing moves a second time.
    expect(
      refused(
        await settle(core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))), core.pctx),
      ),
    ).toBe(REASONS.PAYMENT_ALREADY_REDEEMED);
    expect(await stand.usdc.balanceOf(usdcPayTo)).toBe(PRICE);
  });

  it('settles a v1 payload (value may exceed the price) with a v1 receipt', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const exact = await signAuthorization(stand, usdcPayTo, PRICE + 1n);
    const r = await settle(core.settleRequest(wire, x402(1, v1Payload(exact))), core.pctx);
    if (!r.ok) throw new Error(`refused: ${r.reason} ${r.message}`);
    expect(r.receipt).toMatchObject({ success: true, network: 'anvil' });
  });

  it('settles a payload made by the unmodified @x402/evm client', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    // Spend controls off: by default the client pays only its built-in assets (anvil's USDC is not one).
    const client = registerExactEvmScheme(x402Client.fromConfig({ schemes: [], spendControls: false }), {
      signer: privateKeyToAccount(stand.payer.privateKey as `0x${string}`),
    });
    const payload = await client.createPaymentPayload({
      x402Version: 2,
      resource: { url: 'https://shop.test/premium' },
      accepts: [v2Requirement(stand, usdcPayTo, PRICE)],
    } as never);
    const r = await settle(core.settleRequest(wire, x402(2, JSON.parse(JSON.stringify(payload)))), core.pctx);
    expect(r.ok ? 'ok' : r.reason).toBe('ok');
  });

  it('refuses an authorization whose nonce was already used on chain', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const exact = await signAuthorization(stand, usdcPayTo, PRICE);
    const a = exact.authorization;
    const token = new Contract(
      stand.usdc.address,
      EIP3009_ABI,
      await devProvider(stand.anvil.rpcUrl).getSigner(stand.anvil.accounts[0]!.address),
    );
    await (
      await token.getFunction('transferWithAuthorization')(
        a.from,
        a.to,
        a.value,
        a.validAfter,
        a.validBefore,
        a.nonce,
        exact.signature,
      )
    ).wait();
    expect(
      refused(
        await settle(core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))), core.pctx),
      ),
    ).toBe(REASONS.X402_NONCE_USED);
  });

  it.each([
    ['expired', { validBefore: Math.floor(Date.now() / 1000) + 3 }, REASONS.X402_AUTHORIZATION_EXPIRED],
    [
      'not yet valid',
      { validAfter: Math.floor(Date.now() / 1000) + 600 },
      REASONS.X402_AUTHORIZATION_NOT_YET_VALID,
    ],
    [
      'signed by someone else',
      { signer: Wallet.createRandom() as unknown as Wallet },
      REASONS.X402_SIGNATURE_INVALID,
    ],
    ['for another payTo', { to: Wallet.createRandom().address }, REASONS.X402_RECIPIENT_MISMATCH],
    ['for a smaller value', { value: PRICE - 1n }, REASONS.X402_VALUE_MISMATCH],
  ] as const)('refuses an authorization %s, moving nothing', async (_name, overrides, reason) => {
    const { invoice, wire, usdcPayTo } = await core.invoice();
    const exact = await signAuthorization(stand, usdcPayTo, PRICE, overrides);
    expect(
      refused(
        await settle(core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))), core.pctx),
      ),
    ).toBe(reason);
    expect(await stand.usdc.balanceOf(usdcPayTo)).toBe(0n);
    expect((await getInvoice(core.db, invoice.id))?.status).toBe('pending');
  });

  it('refuses a payer who does not hold the amount', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const poor = Wallet.createRandom() as unknown as Wallet;
    const exact = await signAuthorization(stand, usdcPayTo, PRICE, { signer: poor, from: poor.address });
    expect(
      refused(
        await settle(core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))), core.pctx),
      ),
    ).toBe(REASONS.X402_INSUFFICIENT_BALANCE);
  });

  it('refuses a payload for a challenge of another resource', async () => {
    const other = await core.invoice({ resource: '/premium/other' });
    const mine = await core.invoice();
    const exact = await signAuthorization(stand, other.usdcPayTo, PRICE);
    expect(
      refused(
        await settle(
          core.settleRequest(mine.wire, x402(2, v2Payload(stand, other.usdcPayTo, PRICE, exact))),
          core.pctx,
        ),
      ),
    ).toBe(REASONS.X402_RECIPIENT_MISMATCH);
  });

  it('refuses garbage', async () => {
    const { wire } = await core.invoice();
    expect(
      refused(await settle(core.settleRequest(wire, x402(2, { x402Version: 2, nope: true })), core.pctx)),
    ).toBe(REASONS.X402_PAYLOAD_INVALID);
  });

  it('settles one of 20 concurrent copies of the same authorization', async () => {
    const { invoice, wire, usdcPayTo } = await core.invoice();
    const exact = await signAuthorization(stand, usdcPayTo, PRICE);
    const request = core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact)));
    const answers = await Promise.all(Array.from({ length: 20 }, () => settle(request, core.pctx)));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    for (const a of answers.filter((x) => !x.ok))
      expect([REASONS.X402_NONCE_USED, REASONS.PAYMENT_ALREADY_REDEEMED]).toContain(refused(a));
    expect(await stand.usdc.balanceOf(usdcPayTo)).toBe(PRICE);
    const rows = await core.db.query('SELECT 1 FROM redemptions WHERE invoice_id = $1', [invoice.id]);
    expect(rows.rowCount).toBe(1);
  });

  it('charges once when two different authorizations for one challenge arrive together', async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const [a, b] = await Promise.all([
      signAuthorization(stand, usdcPayTo, PRICE),
      signAuthorization(stand, usdcPayTo, PRICE),
    ]);
    const answers = await Promise.all(
      [a, b].map((exact) =>
        settle(core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))), core.pctx),
      ),
    );
    expect(answers.filter((x) => x.ok)).toHaveLength(1);
    expect(refused(answers.find((x) => !x.ok)!)).toBe(REASONS.PAYMENT_ALREADY_REDEEMED);
    expect(await stand.usdc.balanceOf(usdcPayTo)).toBe(PRICE);
  });

  it("refuses every payment while the configured EIP-712 domain is not the token's, moving nothing", async () => {
    const { wire, usdcPayTo } = await core.invoice();
    const misnamed = createNetworkRegistry({
      anvil: {
        ...localAnvilNetwork({ usdcAddress: stand.usdc.address, usdcEip712Name: 'USDC' }),
        x402V1Name: 'anvil',
      },
    });
    const exact = await signAuthorization(stand, usdcPayTo, PRICE);
    const r = await settle(core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))), {
      ...core.pctx,
      registry: misnamed,
    });
    expect(refused(r)).toBe(REASONS.X402_SETTLE_FAILED);
    expect(await stand.usdc.balanceOf(usdcPayTo)).toBe(0n);
  });

  it("reports the relayer's address and gas balance", async () => {
    const status = await relayer.status();
    expect(status.address).toBe(new Wallet(stand.relayerKey).address);
    expect(BigInt(status.networks[0]!.balanceWei!)).toBeGreaterThan(0n);
    const metrics = new Registry();
    registerRelayerMetrics(metrics, relayer);
    expect(await metrics.metrics()).toMatch(
      new RegExp(`turnpike_portal_relayer_balance\\{network="anvil",address="${status.address}"\\} \\d`),
    );
  });

  it('refuses a relayer key that is not a private key without printing it', () => {
    expect(() =>
      createRelayer({
        key: new Secret('not-a-key-1234', 'env X'),
        rpcUrls: new Map(),
        networks: [],
        rpcTimeoutMs: 1_000,
      }),
    ).toThrow(/^(?!.*not-a-key-1234).*env X/);
  });
});
