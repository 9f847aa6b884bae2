import { Wallet } from 'ethers';
import { REASONS, type SettleResponse } from '@turnpike/protocol';
import {
  createFacilitatorClient,
  createProofHandlers,
  proofsConfigSchema,
  type ProofVerifier,
} from '../../src/proofs/index.js';
import { getInvoice } from '../../src/invoices/get-invoice.js';
import { startEvmStand, startProofCore, type EvmStand, type ProofCore } from './support/evm-proof-fixture.js';
import {
  startHangingFacilitator,
  startLyingFacilitator,
  startTestFacilitator,
  type TestServer,
} from './support/x402-facilitator.js';
import { signAuthorization, v1Payload, v2Payload } from './support/x402-payloads.js';

let stand: EvmStand;
let core: ProofCore;
let real: TestServer;
let hanging: TestServer;
let lying: TestServer;

const PRICE = 1_000_000n;
const x402 = (version: 1 | 2, payload: unknown) => ({ type: 'x402' as const, version, payload });

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

function refused(r: SettleResponse): string {
  if (r.ok) throw new Error('expected a refusal, got a token');
  return r.reason;
}

beforeAll(async () => {
  stand = await startEvmStand();
  core = await startProofCore(stand);
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

describe('x402 settled through a facilitator', () => {
  it('verifies and settles v2 and v1 payments through /verify and /settle, then credits them from the chain', async () => {
    const settle = await facilitated(real.url);
    for (const version of [2, 1] as const) {
      const { invoice, wire, usdcPayTo } = await core.invoice();
      const exact = await signAuthorization(stand, usdcPayTo, PRICE);
      const r = await settle(
        core.settleRequest(
          wire,
          x402(version, version === 2 ? v2Payload(stand, usdcPayTo, PRICE, exact) : v1Payload(exact)),
        ),
        core.pctx,
      );
      if (!r.ok) throw new Error(`refused: ${r.reason} ${r.message}`);
      expect(r.receipt).toMatchObject({
        success: true,
        payer: exact.authorization.from,
        network: version === 2 ? 'eip155:31337' : 'anvil',
      });
      expect(await stand.usdc.balanceOf(usdcPayTo)).toBe(PRICE);
      expect((await getInvoice(core.db, invoice.id))?.status).toBe('redeemed');
    }
    expect(real.calls.filter((c) => c === '/verify').length).toBeGreaterThanOrEqual(2);
    expect(real.calls.filter((c) => c === '/settle').length).toBe(2);
  });

  it("maps the facilitator's refusal to our reason", async () => {
    const settle = await facilitated(real.url);
    const { wire, usdcPayTo } = await core.invoice();
    // A nonce spent on a first invoice, signed again for a second one: only the facilitator's chain check sees it.
    const exact = await signAuthorization(stand, usdcPayTo, PRICE);
    await (
      await facilitated(real.url)
    )(core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))), core.pctx);
    const second = await core.invoice();
    const replay = await signAuthorization(stand, second.usdcPayTo, PRICE, {
      nonce: exact.authorization.nonce,
    });
    expect(
      refused(
        await settle(
          core.settleRequest(second.wire, x402(2, v2Payload(stand, second.usdcPayTo, PRICE, replay))),
          core.pctx,
        ),
      ),
    ).toBe(REASONS.X402_NONCE_USED);
  });

  it('denies and credits nothing when the facilitator does not answer in time', async () => {
    const settle = await facilitated(hanging.url, 500);
    const { invoice, wire, usdcPayTo } = await core.invoice();
    const exact = await signAuthorization(stand, usdcPayTo, PRICE);
    expect(
      refused(
        await settle(core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))), core.pctx),
      ),
    ).toBe(REASONS.FACILITATOR_UNAVAILABLE);
    expect(hanging.calls).toContain('/verify');
    expect(await stand.usdc.balanceOf(usdcPayTo)).toBe(0n);
    expect((await getInvoice(core.db, invoice.id))?.status).toBe('pending');
    expect(
      (await core.db.query('SELECT 1 FROM redemptions WHERE invoice_id = $1', [invoice.id])).rowCount,
    ).toBe(0);
  });

  it('credits nothing on a claimed settlement the chain does not show', async () => {
    const settle = await facilitated(lying.url, 2_000, 600);
    const { invoice, wire, usdcPayTo } = await core.invoice();
    const exact = await signAuthorization(stand, usdcPayTo, PRICE);
    expect(
      refused(
        await settle(core.settleRequest(wire, x402(2, v2Payload(stand, usdcPayTo, PRICE, exact))), core.pctx),
      ),
    ).toBe(REASONS.X402_SETTLE_FAILED);
    expect(
      (await core.db.query('SELECT 1 FROM redemptions WHERE invoice_id = $1', [invoice.id])).rowCount,
    ).toBe(0);
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
