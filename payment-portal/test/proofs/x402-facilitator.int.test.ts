import { Contract, Wallet, getAddress } from 'ethers';
import { decodeJwt } from 'jose';
import { paymentRequestFromJson, REASONS, toWire, type SettleResponse } from '@turnpike/protocol';
import {
  createFacilitatorClient,
  createProofHandlers,
  EIP3009_ABI,
  proofsConfigSchema,
  type ProofVerifier,
} from '../../src/proofs/index.js';
import { devProvider } from '../../../tests/support/anvil.js';
import {
  DEFAULT_REQUEST,
  startEvmStand,
  startProofCore,
  type EvmStand,
  type ProofCore,
} from './support/evm-proof-fixture.js';
import {
  startHangingFacilitator,
  startLyingFacilitator,
  startTestFacilitator,
  type TestServer,
} from './support/x402-facilitator.js';
import { creditsOf, watchBalances } from './support/x402-ledger.js';
import { signAuthorization, v1Payload, v2Payload, x402Proof } from './support/x402-payloads.js';

let stand: EvmStand;
let core: ProofCore;
let real: TestServer;
let hanging: TestServer;
let lying: TestServer;
/** The portal's one x402 address (`<xpub>/2/0`): every payment pays it, so it collects across tests. */
let payTo: string;

const PRICE = 1_000_000n;

async function facilitated(
  url: string,
  timeoutMs = 10_000,
  receiptTimeoutMs = 5_000,
): Promise<ProofVerifier> {
  const config = await proofsConfigSchema.parseAsync({
    x402: { mode: 'facilitator', facilitator: { url, timeoutMs }, receiptTimeoutMs },
  });
  return createProofHandlers({ config }).x402!;
}

/** The settle request the authorizer sends for an x402 payload on the default resource (1 USDC). */
function request(version: 1 | 2, payload: unknown) {
  return core.settleRequest(
    toWire(paymentRequestFromJson(DEFAULT_REQUEST, stand.registry)),
    x402Proof(version, payload),
  );
}

function refused(r: SettleResponse): string {
  if (r.ok) throw new Error('expected a refusal, got a token');
  return r.reason;
}

/** Balances of the x402 address and the payer in USDC. */
const usdcFlow = () => watchBalances(stand.usdc, [payTo, stand.payer.address]);

beforeAll(async () => {
  stand = await startEvmStand();
  core = await startProofCore(stand);
  payTo = core.pctx.payee.x402!.payTo;
  const facilitatorKey = Wallet.createRandom().privateKey;
  await stand.anvil.rpc('anvil_setBalance', [new Wallet(facilitatorKey).address, '0x56BC75E2D63100000']);
  [real, hanging, lying] = await Promise.all([
    startTestFacilitator({ registry: stand.registry, rpcUrl: stand.anvil.rpcUrl, key: facilitatorKey }),
    startHangingFacilitator(),
    startLyingFacilitator(),
  ]);
});

afterAll(async () => {
  await Promise.all([real?.close(), hanging?.close(), lying?.close()]);
  await core?.close();
  await stand?.close();
});

describe('x402 to the fixed x402 address, settled through a facilitator', () => {
  it("sends the facilitator the portal's own requirements (its x402 address, the resource's price), not the client's echo, and credits the settlement from the chain", async () => {
    const settle = await facilitated(real.url);
    const common = {
      scheme: 'exact',
      asset: getAddress(stand.usdc.address),
      payTo: getAddress(payTo),
      maxTimeoutSeconds: 300,
      extra: { name: 'USD Coin', version: '2' },
    };
    const cases = [
      {
        version: 2 as const,
        value: PRICE,
        // The client's echo stretches the timeout and adds to `extra`: neither reaches the facilitator.
        payload: (exact: Awaited<ReturnType<typeof signAuthorization>>) =>
          v2Payload(stand, payTo, PRICE, exact, {
            maxTimeoutSeconds: 86_400,
            extra: { name: 'USD Coin', version: '2', note: 'from the client' },
          }),
        requirements: { ...common, network: 'eip155:31337', amount: PRICE.toString() },
        network: 'eip155:31337',
      },
      {
        version: 1 as const,
        // v1 may authorize more than the price; the requirement still states the price.
        value: PRICE + 1n,
        payload: v1Payload,
        requirements: {
          ...common,
          network: 'anvil',
          maxAmountRequired: PRICE.toString(),
          resource: 'https://shop.test/premium',
          description: 'Access to /premium',
          mimeType: 'application/json',
        },
        network: 'anvil',
      },
    ];
    for (const c of cases) {
      const flow = await usdcFlow();
      const seen = real.bodies.length;
      const exact = await signAuthorization(stand, payTo, c.value);
      const r = await settle(request(c.version, c.payload(exact)), core.pctx);
      if (!r.ok) throw new Error(`refused: ${r.reason} ${r.message}`);
      const transaction = (r.receipt as { transaction: string }).transaction;
      expect(r.receipt).toEqual({
        success: true,
        transaction,
        payer: exact.authorization.from,
        network: c.network,
      });
      expect(decodeJwt(r.token)).toMatchObject({
        resource: '/premium',
        pay: { network: 'anvil', tx: transaction },
      });
      const asked = real.bodies.slice(seen);
      expect(asked.map((b) => b.path)).toEqual(['/verify', '/settle']);
      for (const { body } of asked) {
        expect(body).toEqual({
          x402Version: c.version,
          paymentPayload: c.payload(exact),
          paymentRequirements: c.requirements,
        });
      }
      expect(await flow.moved()).toEqual([c.value, -c.value]);
      expect(await creditsOf(core.db, exact, stand.usdc.address)).toMatchObject([
        {
          source: 'proof',
          tx_hash: transaction,
          redemption_status: 'settled',
          pay_to: payTo,
          amount_atomic: c.value.toString(),
        },
      ]);
    }
  });

  it('returns the same grant for the same authorization again, without asking the facilitator or moving money', async () => {
    const settle = await facilitated(real.url);
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE);
    const payload = v2Payload(stand, payTo, PRICE, exact);
    const first = await settle(request(2, payload), core.pctx);
    if (!first.ok) throw new Error(`refused: ${first.reason} ${first.message}`);
    const asked = real.calls.length;
    // The same payload, with the requester's secret (extra.challenge) as its 402 gave it.
    const again = await settle(request(2, payload), core.pctx);
    if (!again.ok) throw new Error(`refused: ${again.reason} ${again.message}`);
    expect(decodeJwt(again.token).jti).toBe(decodeJwt(first.token).jti);
    expect(again.receipt).toEqual(first.receipt);
    expect(real.calls.length).toBe(asked);
    expect(await flow.moved()).toEqual([PRICE, -PRICE]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toHaveLength(1);
  });

  it('gives 20 concurrent copies of one authorization the same grant, asking the facilitator to settle once', async () => {
    const settle = await facilitated(real.url);
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE);
    const req = request(2, v2Payload(stand, payTo, PRICE, exact));
    const seen = real.calls.length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => settle(req, core.pctx)));
    expect(answers.map((a) => (a.ok ? 'ok' : a.reason))).toEqual(Array(20).fill('ok'));
    const jtis = answers.map((a) => (a.ok ? decodeJwt(a.token).jti : undefined));
    expect(new Set(jtis).size).toBe(1);
    expect(new Set(answers.map((a) => (a.ok ? JSON.stringify(a.receipt) : undefined))).size).toBe(1);
    expect(real.calls.slice(seen).filter((c) => c === '/settle')).toHaveLength(1);
    expect(await flow.moved()).toEqual([PRICE, -PRICE]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toHaveLength(1);
  });

  it("maps the facilitator's refusals to our reasons, moving and crediting nothing", async () => {
    const settle = await facilitated(real.url);
    // A nonce spent on chain by someone else (the portal does not read it in this mode: only the
    // facilitator's chain check sees it).
    const spent = await signAuthorization(stand, payTo, PRICE);
    const a = spent.authorization;
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
        spent.signature,
      )
    ).wait();
    // A payer who does not hold the amount.
    const poor = Wallet.createRandom() as unknown as Wallet;
    const broke = await signAuthorization(stand, payTo, PRICE, { signer: poor, from: poor.address });
    for (const [exact, reason] of [
      [spent, REASONS.X402_NONCE_USED],
      [broke, REASONS.X402_INSUFFICIENT_BALANCE],
    ] as const) {
      const flow = await usdcFlow();
      const seen = real.calls.length;
      expect(refused(await settle(request(2, v2Payload(stand, payTo, PRICE, exact)), core.pctx))).toBe(
        reason,
      );
      expect(real.calls.slice(seen)).toEqual(['/verify']);
      expect(await flow.moved()).toEqual([0n, 0n]);
      expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual([]);
    }
  });

  it('refuses an authorization paying another address before asking the facilitator', async () => {
    const settle = await facilitated(real.url);
    const other = (await core.invoice()).usdcPayTo;
    const flow = await watchBalances(stand.usdc, [payTo, other, stand.payer.address]);
    const exact = await signAuthorization(stand, other, PRICE);
    const seen = real.calls.length;
    for (const payload of [
      v2Payload(stand, payTo, PRICE, exact),
      v2Payload(stand, other, PRICE, exact),
      v1Payload(exact),
    ]) {
      expect(refused(await settle(request(payload.x402Version as 1 | 2, payload), core.pctx))).toBe(
        REASONS.X402_RECIPIENT_MISMATCH,
      );
    }
    expect(real.calls.length).toBe(seen);
    expect(await flow.moved()).toEqual([0n, 0n, 0n]);
  });

  it('denies and credits nothing when the facilitator does not answer in time', async () => {
    const settle = await facilitated(hanging.url, 500);
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE);
    expect(refused(await settle(request(2, v2Payload(stand, payTo, PRICE, exact)), core.pctx))).toBe(
      REASONS.FACILITATOR_UNAVAILABLE,
    );
    expect(hanging.calls).toContain('/verify');
    expect(await flow.moved()).toEqual([0n, 0n]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual([]);
  });

  it('credits nothing on a claimed settlement the chain does not show', async () => {
    const settle = await facilitated(lying.url, 2_000, 600);
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE);
    expect(refused(await settle(request(2, v2Payload(stand, payTo, PRICE, exact)), core.pctx))).toBe(
      REASONS.X402_SETTLE_FAILED,
    );
    expect(lying.calls).toEqual(expect.arrayContaining(['/verify', '/settle']));
    expect(await flow.moved()).toEqual([0n, 0n]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual([]);
  });

  it('refuses a facilitator body it cannot parse as facilitator_unavailable', async () => {
    const client = createFacilitatorClient({
      url: real.url,
      timeoutMs: 2_000,
      fetch: async () => new Response('{"ok":1}', { status: 200 }),
    });
    await expect(
      client.verify({ x402Version: 2, paymentPayload: {}, paymentRequirements: {} }),
    ).rejects.toMatchObject({ code: REASONS.FACILITATOR_UNAVAILABLE });
  });
});
