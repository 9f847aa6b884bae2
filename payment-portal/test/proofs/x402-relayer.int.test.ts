import { privateKeyToAccount } from 'viem/accounts';
import { x402Client } from '@x402/core/client';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { decodeJwt, type JWTPayload } from 'jose';
import { Contract, Wallet } from 'ethers';
import {
  createNetworkRegistry,
  localAnvilNetwork,
  paymentRequestFromJson,
  REASONS,
  toWire,
  type NetworkRegistry,
  type SettleResponse,
} from '@turnpike/protocol';
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
import type { Database } from '../../src/storage/index.js';
import { devProvider } from '../../../tests/support/anvil.js';
import { DEFAULT_REQUEST, startProofCore, type ProofCore } from './support/evm-proof-fixture.js';
import { creditsOf, watchBalances } from './support/x402-ledger.js';
import {
  signAuthorization,
  v1Payload,
  v2Payload,
  v2Requirement,
  x402Proof,
} from './support/x402-payloads.js';
import { createLogger } from '@turnpike/protocol/service';
import { createPortalEvents } from '../../src/events/portal-events.js';
import { startX402Stand, type X402Stand } from './support/x402-stand.js';

let stand: X402Stand;
let core: ProofCore;
let relayer: Relayer;
let settle: ProofVerifier;
/** The portal's one x402 address (`<xpub>/2/0`): every payment pays it, so it collects across tests. */
let payTo: string;
let eventText = '';
const eventLines = (event: string) =>
  eventText
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.event === event);

beforeAll(async () => {
  stand = await startX402Stand();
  core = await startProofCore(stand);
  payTo = core.pctx.payee.x402!.payTo;
  relayer = createRelayer({
    key: new Secret(stand.relayerKey),
    rpcUrls: core.pctx.rpcUrls,
    networks: [stand.network],
    rpcTimeoutMs: 5_000,
  });
  process.env.TEST_RELAYER_KEY = stand.relayerKey;
  // The event lines this suite's settlements write, as raw JSON text.
  core.pctx.events = createPortalEvents({
    registry: stand.registry,
    logger: createLogger({
      name: 'payment-portal',
      level: 'info',
      destination: { write: (line: string) => void (eventText += line) },
    }),
  });
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
const EURC_PRICE = 2_000_000n;
/** A resource offering 1 USDC or 2 EURC on anvil. */
const TWO_TOKENS = {
  ...DEFAULT_REQUEST,
  payment: {
    requests: [
      { network: 'anvil', amount: '1', asset: 'USDC' },
      { network: 'anvil', amount: '2', asset: 'EURC' },
    ],
  },
};

interface Target {
  resource?: string;
  /** The resource's payment request; 1 USDC or 0.001 ETH on anvil unless given. */
  json?: unknown;
  registry?: NetworkRegistry;
}

/**
 * The settle request the authorizer sends for an x402 payload: the resource's payment request as
 * its 402 described it (x402 needs no challenge: nothing was minted or stored for it).
 */
function request(version: 1 | 2, payload: unknown, o: Target = {}) {
  const wire = toWire(paymentRequestFromJson(o.json ?? DEFAULT_REQUEST, o.registry ?? stand.registry));
  return core.settleRequest(wire, x402Proof(version, payload), o.resource);
}

function pay(version: 1 | 2, payload: unknown, o: Target = {}) {
  return settle(request(version, payload, o), core.pctx);
}

function granted(r: SettleResponse): Extract<SettleResponse, { ok: true }> & {
  jwt: JWTPayload;
  transaction: string;
} {
  if (!r.ok) throw new Error(`refused: ${r.reason} ${r.message}`);
  return { ...r, jwt: decodeJwt(r.token), transaction: (r.receipt as { transaction: string }).transaction };
}

function refused(r: SettleResponse): string {
  if (r.ok) throw new Error('expected a refusal, got a token');
  return r.reason;
}

/** `db`, running `before` ahead of each write that records an invoice (the credit; reads pass straight through). */
function beforeCredits(db: Database, before: () => Promise<void>): Database {
  return new Proxy(db, {
    get(target, key) {
      if (key === 'transaction')
        return async (...args: Parameters<Database['transaction']>) => {
          await before();
          return target.transaction(...args);
        };
      if (key === 'query')
        return async (...args: Parameters<Database['query']>) => {
          if (args[0].includes('INSERT INTO invoices')) await before();
          return target.query(...args);
        };
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `db`, calling `after` once each lookup of a grant by its binding has its answer. */
function afterBindingLookups(db: Database, after: () => void): Database {
  return new Proxy(db, {
    get(target, key) {
      if (key === 'query')
        return async (...args: Parameters<Database['query']>) => {
          const result = await target.query(...args);
          if (args[0].includes('i.binding = $1')) after();
          return result;
        };
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Balances of the x402 address and the payer in USDC. */
const usdcFlow = () => watchBalances(stand.usdc, [payTo, stand.payer.address]);

describe('x402 exact on EVM to the fixed x402 address, settled by the relayer', () => {
  it('settles a v2 authorization once and credits it; the same authorization again returns the same grant and moves nothing', async () => {
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE);
    const payload = v2Payload(stand, payTo, PRICE, exact);
    const first = granted(await pay(2, payload));
    expect(first.receipt).toEqual({
      success: true,
      transaction: first.transaction,
      network: 'eip155:31337',
      payer: stand.payer.address,
    });
    expect(first.jwt).toMatchObject({
      aud: 'shop.test',
      resource: '/premium',
      tier: 'gold',
      sub: stand.payer.address.toLowerCase(),
      pay: { network: 'anvil', tx: first.transaction },
    });
    expect(await flow.moved()).toEqual([PRICE, -PRICE]);
    // The first write: an invoice of source 'proof' bound to the authorization, its settlement redeemed.
    const credits = await creditsOf(core.db, exact, stand.usdc.address);
    expect(credits).toEqual([
      {
        invoice_id: (first.jwt.pay as { invoice: string }).invoice,
        source: 'proof',
        status: 'redeemed',
        tx_hash: first.transaction,
        redemption_status: 'settled',
        pay_to: payTo,
        asset: stand.usdc.address.toLowerCase(),
        amount_atomic: PRICE.toString(),
        payer: stand.payer.address.toLowerCase(),
      },
    ]);

    // The same authorization again (a retry, another replica): the same grant, nothing settled again.
    const again = granted(await pay(2, payload));
    expect(again.jwt.jti).toBe(first.jwt.jti);
    expect(again.jwt.exp).toBe(first.jwt.exp);
    expect(again.receipt).toEqual(first.receipt);
    expect(await flow.moved()).toEqual([PRICE, -PRICE]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual(credits);
  });

  it('settles a v1 payload (its value may exceed the price) with a v1 receipt; presented again it buys nothing (v1 echoes no secret)', async () => {
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE + 1n);
    const first = granted(await pay(1, v1Payload(exact)));
    expect(first.receipt).toMatchObject({ success: true, network: 'anvil', payer: stand.payer.address });
    // The whole authorized value moves and is what the ledger records.
    expect(await flow.moved()).toEqual([PRICE + 1n, -(PRICE + 1n)]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toMatchObject([
      { amount_atomic: (PRICE + 1n).toString(), tx_hash: first.transaction },
    ]);
    // A v1 payload carries nothing only its requester holds, and everything in it is on chain now.
    expect(refused(await pay(1, v1Payload(exact)))).toBe(REASONS.X402_NONCE_USED);
    expect(await flow.moved()).toEqual([PRICE + 1n, -(PRICE + 1n)]);
  });

  it('an observer who rebuilds a settled v2 payload from the chain gets nothing; the payer presenting it again gets its grant', async () => {
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE);
    const payload = v2Payload(stand, payTo, PRICE, exact);
    const first = granted(await pay(2, payload));
    // transferWithAuthorization's calldata holds every field of the authorization and its signature;
    // the 402's public terms give the rest. Only the requester's secret (extra.challenge) is not there.
    const rebuilt = v2Payload(stand, payTo, PRICE, exact);
    expect(rebuilt.accepted.extra.challenge).not.toBe(payload.accepted.extra.challenge);
    expect(refused(await pay(2, rebuilt))).toBe(REASONS.X402_NONCE_USED);
    const { challenge: _dropped, ...noSecret } = payload.accepted.extra;
    expect(refused(await pay(2, { ...payload, accepted: { ...payload.accepted, extra: noSecret } }))).toBe(
      REASONS.X402_NONCE_USED,
    );
    expect(granted(await pay(2, payload)).jwt.jti).toBe(first.jwt.jti);
    expect(await flow.moved()).toEqual([PRICE, -PRICE]);
  });

  it('settles a payload made by the unmodified @x402/evm client for the fixed address', async () => {
    const flow = await usdcFlow();
    // Spend controls off: by default the client pays only its built-in assets (anvil's USDC is not one).
    const client = registerExactEvmScheme(x402Client.fromConfig({ schemes: [], spendControls: false }), {
      signer: privateKeyToAccount(stand.payer.privateKey as `0x${string}`),
    });
    const payload = await client.createPaymentPayload({
      x402Version: 2,
      resource: { url: 'https://shop.test/premium' },
      accepts: [v2Requirement(stand, payTo, PRICE)],
    } as never);
    granted(await pay(2, JSON.parse(JSON.stringify(payload))));
    expect(await flow.moved()).toEqual([PRICE, -PRICE]);
  });

  it('matches a v1 payload to the offered token its signature is for, at that token’s price', async () => {
    const usdc = await usdcFlow();
    const eurc = await watchBalances(stand.eurc, [payTo, stand.payer.address]);
    const inEurc = await signAuthorization(stand, payTo, EURC_PRICE, { token: stand.eurcDomain });
    const paidEurc = granted(await pay(1, v1Payload(inEurc), { json: TWO_TOKENS }));
    expect(await eurc.moved()).toEqual([EURC_PRICE, -EURC_PRICE]);
    expect(await usdc.moved()).toEqual([0n, 0n]);
    expect(await creditsOf(core.db, inEurc, stand.eurc.address)).toMatchObject([
      { asset: stand.eurc.address.toLowerCase(), amount_atomic: EURC_PRICE.toString() },
    ]);

    const inUsdc = await signAuthorization(stand, payTo, PRICE);
    const paidUsdc = granted(await pay(1, v1Payload(inUsdc), { json: TWO_TOKENS }));
    expect(await usdc.moved()).toEqual([PRICE, -PRICE]);
    expect(await eurc.moved()).toEqual([EURC_PRICE, -EURC_PRICE]);
    expect(paidUsdc.jwt.jti).not.toBe(paidEurc.jwt.jti);

    // EURC at USDC's price: the signature says EURC, so the refusal is about EURC's price.
    const cheapEurc = await signAuthorization(stand, payTo, PRICE, { token: stand.eurcDomain });
    expect(refused(await pay(1, v1Payload(cheapEurc), { json: TWO_TOKENS }))).toBe(
      REASONS.X402_VALUE_MISMATCH,
    );
    expect(await eurc.moved()).toEqual([EURC_PRICE, -EURC_PRICE]);
  });

  it('refuses a token the resource does not offer on that network, moving nothing', async () => {
    const usdc = await usdcFlow();
    const eurc = await watchBalances(stand.eurc, [payTo, stand.payer.address]);
    const fake = await watchBalances(stand.fake, [payTo, stand.payer.address]);
    // v1: EURC (a token the portal knows) for a resource priced only in USDC — its signature
    // verifies for no offered token.
    const inEurc = await signAuthorization(stand, payTo, PRICE, { token: stand.eurcDomain });
    expect(refused(await pay(1, v1Payload(inEurc)))).toBe(REASONS.X402_SIGNATURE_INVALID);
    // v1: a look-alike contract with USDC's very name and version: the domain's contract differs.
    const inFake = await signAuthorization(stand, payTo, PRICE, { token: { address: stand.fake.address } });
    expect(refused(await pay(1, v1Payload(inFake)))).toBe(REASONS.X402_SIGNATURE_INVALID);
    // v2 names its token: one not offered is refused as such.
    expect(refused(await pay(2, v2Payload(stand, payTo, PRICE, inFake, { asset: stand.fake.address })))).toBe(
      REASONS.PAYMENT_WRONG_ASSET,
    );
    expect(refused(await pay(2, v2Payload(stand, payTo, PRICE, inEurc, { asset: stand.eurc.address })))).toBe(
      REASONS.PAYMENT_WRONG_ASSET,
    );
    // A resource offered in no token on anvil (ETH only).
    const ethOnly = { ...DEFAULT_REQUEST, payment: { requests: [{ network: 'anvil', amount: '0.001' }] } };
    const inUsdc = await signAuthorization(stand, payTo, PRICE);
    expect(refused(await pay(2, v2Payload(stand, payTo, PRICE, inUsdc), { json: ethOnly }))).toBe(
      REASONS.PAYMENT_WRONG_NETWORK,
    );
    for (const flow of [usdc, eurc, fake]) expect(await flow.moved()).toEqual([0n, 0n]);
    expect(await creditsOf(core.db, inUsdc, stand.usdc.address)).toEqual([]);
  });

  it('refuses x402 on a network this portal does not settle x402 on', async () => {
    const exact = await signAuthorization(stand, payTo, PRICE);
    const r = await settle(request(2, v2Payload(stand, payTo, PRICE, exact)), {
      ...core.pctx,
      payee: { ...core.pctx.payee, x402: undefined },
    });
    expect(refused(r)).toBe(REASONS.PAYMENT_WRONG_NETWORK);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual([]);
  });

  describe('refuses an authorization paying any other address, moving nothing', () => {
    const others: Array<[string, () => Promise<string>]> = [
      ['a per-invoice address', async () => (await core.invoice()).usdcPayTo],
      ["a sealed challenge's address", async () => (await core.challenge()).payTo],
      ["the payer's own second wallet", async () => Promise.resolve(Wallet.createRandom().address)],
    ];
    it.each(others)('%s', async (_name, otherAddress) => {
      const other = (await otherAddress()).toLowerCase();
      expect(other).not.toBe(payTo);
      const flow = await watchBalances(stand.usdc, [payTo, other, stand.payer.address]);
      const exact = await signAuthorization(stand, other, PRICE);
      // v2 echoing the portal's address but authorizing the other one.
      expect(refused(await pay(2, v2Payload(stand, payTo, PRICE, exact)))).toBe(
        REASONS.X402_RECIPIENT_MISMATCH,
      );
      // v2 that says it accepted the other address.
      expect(refused(await pay(2, v2Payload(stand, other, PRICE, exact)))).toBe(
        REASONS.X402_RECIPIENT_MISMATCH,
      );
      // v1: only the authorization says where the money goes.
      expect(refused(await pay(1, v1Payload(exact)))).toBe(REASONS.X402_RECIPIENT_MISMATCH);
      // v2 authorizing the portal's address but echoing another: the echo is refused too.
      const toPortal = await signAuthorization(stand, payTo, PRICE);
      expect(refused(await pay(2, v2Payload(stand, other, PRICE, toPortal)))).toBe(
        REASONS.X402_RECIPIENT_MISMATCH,
      );
      expect(await flow.moved()).toEqual([0n, 0n, 0n]);
      expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual([]);
      expect(await creditsOf(core.db, toPortal, stand.usdc.address)).toEqual([]);
    });
  });

  it('refuses an authorization whose nonce was already used on chain (settled by someone else)', async () => {
    const exact = await signAuthorization(stand, payTo, PRICE);
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
    const flow = await usdcFlow();
    expect(refused(await pay(2, v2Payload(stand, payTo, PRICE, exact)))).toBe(REASONS.X402_NONCE_USED);
    expect(await flow.moved()).toEqual([0n, 0n]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual([]);
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
    ['for a smaller value', { value: PRICE - 1n }, REASONS.X402_VALUE_MISMATCH],
    ['for a larger value than the v2 price', { value: PRICE + 1n }, REASONS.X402_VALUE_MISMATCH],
  ] as const)('refuses an authorization %s, moving nothing', async (_name, overrides, reason) => {
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE, overrides);
    expect(refused(await pay(2, v2Payload(stand, payTo, PRICE, exact)))).toBe(reason);
    expect(await flow.moved()).toEqual([0n, 0n]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual([]);
  });

  it('takes the price from the resource, not from what the client says it accepted', async () => {
    const flow = await usdcFlow();
    const cheap = await signAuthorization(stand, payTo, PRICE - 1n);
    expect(refused(await pay(2, v2Payload(stand, payTo, PRICE - 1n, cheap)))).toBe(
      REASONS.X402_VALUE_MISMATCH,
    );
    expect(refused(await pay(1, v1Payload(cheap)))).toBe(REASONS.X402_VALUE_MISMATCH);
    expect(await flow.moved()).toEqual([0n, 0n]);
  });

  it('refuses a payer who does not hold the amount', async () => {
    const poor = Wallet.createRandom() as unknown as Wallet;
    const exact = await signAuthorization(stand, payTo, PRICE, { signer: poor, from: poor.address });
    expect(refused(await pay(2, v2Payload(stand, payTo, PRICE, exact)))).toBe(
      REASONS.X402_INSUFFICIENT_BALANCE,
    );
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual([]);
  });

  it('writes settlement.failed once for a settlement that fails, and payment.credited / token.issued (dialect x402) for one that succeeds', async () => {
    const poor = Wallet.createRandom() as unknown as Wallet;
    const unfunded = await signAuthorization(stand, payTo, PRICE, { signer: poor, from: poor.address });
    const before = eventLines('settlement.failed').length;
    expect(refused(await pay(2, v2Payload(stand, payTo, PRICE, unfunded)))).toBe(
      REASONS.X402_INSUFFICIENT_BALANCE,
    );
    const failed = eventLines('settlement.failed').slice(before);
    expect(failed).toEqual([
      expect.objectContaining({
        network: 'anvil',
        asset: 'USDC',
        amountAtomic: PRICE.toString(),
        host: 'shop.test',
        mode: 'relayer',
        reason: REASONS.X402_INSUFFICIENT_BALANCE,
      }),
    ]);

    const exact = await signAuthorization(stand, payTo, PRICE);
    const ok = granted(await pay(2, v2Payload(stand, payTo, PRICE, exact)));
    const invoice = (ok.jwt.pay as { invoice: string }).invoice;
    const credited = eventLines('payment.credited').filter((l) => l.invoice === invoice);
    expect(credited).toEqual([
      expect.objectContaining({
        host: 'shop.test',
        network: 'anvil',
        asset: 'USDC',
        amountAtomic: PRICE.toString(),
        tx: ok.transaction,
        dialect: 'x402',
      }),
    ]);
    const issued = eventLines('token.issued').filter((l) => l.invoice === invoice);
    expect(issued).toEqual([expect.objectContaining({ jti: ok.jwt.jti, dialect: 'x402' })]);
    expect(eventText).not.toContain(ok.token);
    expect(eventText).not.toContain(exact.signature);
  });

  it('refuses garbage', async () => {
    expect(refused(await pay(2, { x402Version: 2, nope: true }))).toBe(REASONS.X402_PAYLOAD_INVALID);
    expect(refused(await pay(1, { x402Version: 1, scheme: 'exact', network: 'anvil', payload: {} }))).toBe(
      REASONS.X402_PAYLOAD_INVALID,
    );
  });

  it('gives 20 concurrent copies of one authorization the same grant, settling it once', async () => {
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE);
    const req = request(2, v2Payload(stand, payTo, PRICE, exact));
    const answers = (await Promise.all(Array.from({ length: 20 }, () => settle(req, core.pctx)))).map((a) =>
      a.ok ? granted(a) : a,
    );
    expect(answers.map((a) => (a.ok ? 'ok' : a.reason))).toEqual(Array(20).fill('ok'));
    const grants = answers as Array<ReturnType<typeof granted>>;
    expect(new Set(grants.map((g) => g.jwt.jti)).size).toBe(1);
    expect(new Set(grants.map((g) => g.transaction)).size).toBe(1);
    expect(await flow.moved()).toEqual([PRICE, -PRICE]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toMatchObject([
      { tx_hash: grants[0]!.transaction },
    ]);
  });

  it("makes a copy that reaches the relayer's lane after the settlement was mined, but before it was credited, wait for that credit and get its grant", async () => {
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE);
    const req = request(2, v2Payload(stand, payTo, PRICE, exact));
    // The first presentation stops right before its credit (after the relayer's lane):
    // its settlement is mined, the nonce is spent on chain, the ledger does not know it yet. It
    // runs on its own database handle, so the copy is not joined to it in-process: what answers
    // the copy is the lane's own check.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inCredit = new Promise<void>((resolve) => (entered = resolve));
    const first = settle(req, {
      ...core.pctx,
      db: beforeCredits(core.db, async () => {
        entered();
        await gate;
      }),
    });
    await inCredit;
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toEqual([]);
    // The copy checks the ledger before its own lane turn (nothing credited yet) while its
    // simulation finds the nonce spent; the first credit goes on once the copy has looked.
    try {
      const second = settle(req, { ...core.pctx, db: afterBindingLookups(core.db, release) });
      const [a, b] = await Promise.all([first, second]);
      expect(b!.ok ? 'ok' : b!.reason).toBe('ok');
      expect(granted(b!).jwt.jti).toBe(granted(a!).jwt.jti);
      expect(granted(b!).receipt).toEqual(granted(a!).receipt);
    } finally {
      release();
    }
    expect(await flow.moved()).toEqual([PRICE, -PRICE]);
    expect(await creditsOf(core.db, exact, stand.usdc.address)).toHaveLength(1);
  });

  it('credits two different authorizations for the same resource as two payments, each replayed to its own grant', async () => {
    const flow = await usdcFlow();
    const [a, b] = await Promise.all([
      signAuthorization(stand, payTo, PRICE),
      signAuthorization(stand, payTo, PRICE),
    ]);
    const [payloadA, payloadB] = [a, b].map((exact) => v2Payload(stand, payTo, PRICE, exact));
    const [first, second] = (await Promise.all([payloadA!, payloadB!].map((p) => pay(2, p)))).map(granted);
    expect(first!.jwt.jti).not.toBe(second!.jwt.jti);
    expect(first!.transaction).not.toBe(second!.transaction);
    expect(await flow.moved()).toEqual([2n * PRICE, -2n * PRICE]);
    expect(await creditsOf(core.db, a, stand.usdc.address)).toMatchObject([{ tx_hash: first!.transaction }]);
    expect(await creditsOf(core.db, b, stand.usdc.address)).toMatchObject([{ tx_hash: second!.transaction }]);

    const [againA, againB] = (await Promise.all([payloadA!, payloadB!].map((p) => pay(2, p)))).map(granted);
    expect([againA!.jwt.jti, againA!.transaction]).toEqual([first!.jwt.jti, first!.transaction]);
    expect([againB!.jwt.jti, againB!.transaction]).toEqual([second!.jwt.jti, second!.transaction]);
    expect(await flow.moved()).toEqual([2n * PRICE, -2n * PRICE]);
  });

  it('refuses an authorization that paid for one resource when it is presented for another', async () => {
    const flow = await usdcFlow();
    const exact = await signAuthorization(stand, payTo, PRICE);
    const payload = v2Payload(stand, payTo, PRICE, exact);
    const first = granted(await pay(2, payload));
    // Same price, other resource: the grant it bought opens /premium only.
    expect(refused(await pay(2, payload, { resource: '/premium/other' }))).toBe(
      REASONS.PAYMENT_ALREADY_REDEEMED,
    );
    // Same resource, now requiring claims the grant does not carry.
    expect(
      refused(await pay(2, payload, { json: { ...DEFAULT_REQUEST, claims: { tier: 'platinum' } } })),
    ).toBe(REASONS.PAYMENT_ALREADY_REDEEMED);
    expect(await flow.moved()).toEqual([PRICE, -PRICE]);
    expect(granted(await pay(2, payload)).jwt.jti).toBe(first.jwt.jti);
  });

  it("refuses every payment while the configured EIP-712 domain is not the token's, moving nothing", async () => {
    const flow = await usdcFlow();
    const misnamed = createNetworkRegistry({
      anvil: {
        ...localAnvilNetwork({ usdcAddress: stand.usdc.address, usdcEip712Name: 'USDC' }),
        x402V1Name: 'anvil',
      },
    });
    // The client signs the domain the portal's 402 names (`extra.name`): it verifies offline,
    // and the token would reject it.
    const exact = await signAuthorization(stand, payTo, PRICE, {
      token: { address: stand.usdc.address, name: 'USDC' },
    });
    // The authorizer's offers carry the same misnamed domain (both services read one network config).
    const r = await settle(
      request(2, v2Payload(stand, payTo, PRICE, exact, { extra: { name: 'USDC', version: '2' } }), {
        registry: misnamed,
      }),
      { ...core.pctx, registry: misnamed },
    );
    expect(refused(r)).toBe(REASONS.X402_SETTLE_FAILED);
    expect(await flow.moved()).toEqual([0n, 0n]);
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
