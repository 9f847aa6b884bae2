import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSolanaRpc, type Address, type KeyPairSigner } from '@solana/kit';
import { randomBytes } from 'node:crypto';
import { getAddress, HDNodeWallet } from 'ethers';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  challengeSchema,
  deriveSealKeys,
  fromWire,
  payeeResponseSchema,
  PORTAL_API_PATHS,
  REASONS,
  settleResponseSchema,
  type ChallengeClaims,
  type ChallengeOffer,
} from '@turnpike/protocol';
import { createAddressSource } from '../../authz-service/src/challenges/address-source.js';
import { mintChallenge } from '../../authz-service/src/challenges/mint-challenge.js';
import { createPortalClient } from '../../authz-service/src/portal/client.js';
import { DEV_MNEMONIC } from '../../tests/support/anvil.js';
import { startLiteSvmRpc, type LiteSvmRpc } from '../../tests/support/litesvm-rpc.js';
import {
  createAta,
  createMint,
  fundedSigner,
  mintTo,
  paySol,
  payToken,
  randomAddress,
  type Rpc,
} from '../../tests/support/solana/payer.js';
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from '../src/proofs/index.js';
import { newSolanaReference } from '../src/proofs/solana/index.js';
import { ConfigError } from '@turnpike/protocol/service';
import { DEV_XPUB, mine, startChain, type ChainFixture } from './support/chain-fixture.js';
import { SOLANA_NETWORK, startPortal, waitForInvoice, type PortalFixture } from './support/portal-fixture.js';

// The real portal (startPaymentPortal from a YAML config, PGlite in memory) with its default
// settle wiring from `proofs:` config, over its HTTP internal API: an EVM chain (anvil + Circle's
// USDC) and a Solana network (LiteSVM behind its JSON-RPC front) side by side, each with a watcher.
let chain: ChainFixture;
let front: LiteSvmRpc;
let rpc: Rpc;
let payer: KeyPairSigner;
let usdcMint: Address;
let merchant: Address;
let p: PortalFixture;
// Anvil's funded dev account 3 pays the x402 relayer's gas (public dev key, dev chain only).
const relayer = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/3");

beforeAll(async () => {
  [chain, front] = await Promise.all([startChain(), startLiteSvmRpc()]);
  rpc = createSolanaRpc(front.url) as unknown as Rpc;
  const authority = await fundedSigner(rpc);
  payer = await fundedSigner(rpc);
  merchant = await randomAddress();
  usdcMint = await createMint(rpc, authority, 6);
  await mintTo(
    rpc,
    authority,
    usdcMint,
    await createAta(rpc, authority, payer.address, usdcMint),
    1_000_000_000n,
  );
  p = await startPortal(chain, {
    solana: {
      rpcUrl: front.url,
      caip2: `solana:${newSolanaReference().slice(0, 32)}`,
      usdcMint,
      wallet: merchant,
    },
    extra: { proofs: { x402: { mode: 'relayer', relayerKey: { fromFile: 'relayer-key' } } } },
    beforeStart: (dir) => writeFile(join(dir, 'relayer-key'), relayer.privateKey),
  });
});

afterAll(async () => {
  await p?.close();
  await front?.stop();
  await chain?.close();
});

const target = { host: 'shop.test', scheme: 'https', resource: '/premium', originalUri: '/premium' };
const PRICE = {
  claims: { tier: 'gold' },
  exp: 3_600_000,
  payment: {
    requests: [
      { network: 'anvil', amount: '1', asset: 'USDC' },
      { network: SOLANA_NETWORK, amount: '1.5', asset: 'USDC' },
    ],
  },
};
const wire = () => p.wire(PRICE);
/** The same price on a resource that opted in to unbound transaction proofs. */
const unbound = () => ({ ...PRICE, proofs: { tx: { unbound: 'allow' } } });

/**
 * An API challenge, the way the authorizer's 402 makes one: its own portal client, address source
 * (leases over the internal API) and minting code, sealed with the key both derive from the
 * internal token. Nothing is written but the lease's cursor.
 */
let mint: (
  json?: object,
) => Promise<{ id: string; claims: ChallengeClaims; evm?: ChallengeOffer; solana?: ChallengeOffer }>;
beforeAll(async () => {
  const client = createPortalClient({
    baseUrl: p.portal.internalUrl,
    token: p.internalToken,
    timeoutMs: 5_000,
  });
  const addresses = createAddressSource({ portal: client, bufferSize: 8, leaseSize: 4 });
  const payee = await client.payee();
  mint = async (json) => {
    const request = fromWire(json === undefined ? wire() : p.wire(json), p.portal.context.registry);
    const minted = await mintChallenge(
      {
        host: target.host,
        scheme: 'https',
        path: target.resource,
        query: '',
        originalUri: target.originalUri,
        request,
        source: 'upstream',
      },
      {
        key: deriveSealKeys(p.internalToken).challenge,
        registry: p.portal.context.registry,
        payee,
        addresses,
      },
    );
    if (minted === undefined) throw new Error('nothing payable by transaction');
    const claims = JSON.parse(
      Buffer.from(minted.id.split('.')[0]!, 'base64url').toString(),
    ) as ChallengeClaims;
    return {
      id: minted.id,
      claims,
      ...optional(
        'evm',
        minted.offers.find((o) => o.network === 'anvil'),
      ),
      ...optional(
        'solana',
        minted.offers.find((o) => o.network === SOLANA_NETWORK),
      ),
    };
  };
});

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** A recorded challenge: what an API 402 of a resource accepting unbound proofs asks the portal for. */
async function recordedChallenge() {
  const res = await p.internal(PORTAL_API_PATHS.challenges, {
    ...target,
    request: p.wire(unbound()),
    client: { ip: '203.0.113.7' },
  });
  expect(res.status).toBe(200);
  const c = challengeSchema.parse(await res.json());
  return {
    id: c.id,
    evm: c.offers.find((o) => o.network === 'anvil')!,
    solana: c.offers.find((o) => o.network === SOLANA_NETWORK)!,
  };
}

async function settle(network: string, tx: string, challenge?: string, json?: object) {
  const res = await p.internal(PORTAL_API_PATHS.settle, {
    ...target,
    request: json === undefined ? wire() : p.wire(json),
    proof: { type: 'tx', network, tx, ...(challenge === undefined ? {} : { challenge }) },
    client: { ip: '203.0.113.7' },
  });
  expect(res.status).toBe(200);
  return settleResponseSchema.parse(await res.json());
}

async function verifyToken(token: string) {
  const jwks = (await (
    await fetch(`${p.portal.publicUrl}/_402/.well-known/jwks.json`)
  ).json()) as JSONWebKeySet;
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: 'https://portal.test',
    audience: 'shop.test',
  });
  return payload;
}

async function rowsFor(network: string, tx: string) {
  const count = async (table: string) =>
    (
      await p.portal.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${table} WHERE network = $1 AND tx_hash = $2`,
        [network, tx],
      )
    ).rows[0]!.n;
  return { payments: await count('payments'), redemptions: await count('redemptions') };
}

const reasonOf = (a: { ok: boolean; reason?: string }) => (a.ok ? 'ok' : a.reason);

it('a sealed challenge offers a Solana SPL payment to the owner wallet with a reference of its own, beside an EVM address of its own', async () => {
  const [a, b] = [await mint(), await mint()];
  expect(a.solana).toMatchObject({
    payTo: merchant,
    atomic: '1500000',
    asset: { kind: 'spl', mint: usdcMint },
  });
  expect(b.solana?.payTo).toBe(merchant);
  expect(a.solana?.reference).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
  expect(a.solana?.reference).toBe(a.claims.k);
  expect(new Set([a.solana?.reference, b.solana?.reference]).size).toBe(2);
  expect(a.evm?.reference).toBeUndefined();
  expect(a.evm?.payTo).not.toBe(b.evm?.payTo);
});

it('Solana SPL against a sealed challenge: the observer who copies the signature gets nothing, the payer gets in, again and again', async () => {
  const payerChallenge = await mint();
  const observer = await mint();
  const sig = await payToken(rpc, {
    from: payer,
    recipient: merchant,
    mint: usdcMint,
    decimals: 6,
    amount: 1_500_000n,
    reference: payerChallenge.solana!.reference!,
  });
  // Nothing about this challenge was stored, so no watcher credits it: the proof is the first write.
  expect(await rowsFor(SOLANA_NETWORK, sig)).toEqual({ payments: '0', redemptions: '0' });
  expect(reasonOf(await settle(SOLANA_NETWORK, sig))).toBe(REASONS.PAYMENT_CHALLENGE_REQUIRED);
  expect(reasonOf(await settle(SOLANA_NETWORK, sig, observer.id))).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);
  const first = await settle(SOLANA_NETWORK, sig, payerChallenge.id);
  if (!first.ok) throw new Error(`refused: ${first.reason} ${first.message}`);
  const claims = await verifyToken(first.token);
  expect(claims).toMatchObject({
    resource: '/premium',
    tier: 'gold',
    sub: payer.address,
    pay: { network: SOLANA_NETWORK, tx: sig },
  });
  const again = await settle(SOLANA_NETWORK, sig, payerChallenge.id);
  if (!again.ok) throw new Error(`refused: ${again.reason}`);
  expect((await verifyToken(again.token)).jti).toBe(claims.jti);
  expect(reasonOf(await settle(SOLANA_NETWORK, sig, observer.id))).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);
  expect(await rowsFor(SOLANA_NETWORK, sig)).toEqual({ payments: '1', redemptions: '1' });
});

it('native SOL against a sealed challenge: bound the same way', async () => {
  const price = {
    claims: {},
    exp: 60_000,
    payment: { requests: [{ network: SOLANA_NETWORK, amount: '0.25' }] },
  };
  const c = await mint(price);
  const observer = await mint(price);
  const sig = await paySol(rpc, {
    from: payer,
    recipient: merchant,
    lamports: 250_000_000n,
    reference: c.solana!.reference!,
  });
  expect(reasonOf(await settle(SOLANA_NETWORK, sig, observer.id, price))).toBe(
    REASONS.PAYMENT_WRONG_RECIPIENT,
  );
  expect(reasonOf(await settle(SOLANA_NETWORK, sig, c.id, price))).toBe('ok');
});

it('EVM USDC against a sealed challenge through the same API: observer refused, payer in, the same proof again is the same grant', async () => {
  const c = await mint();
  const observer = await mint();
  const tx = await chain.usdc.transfer(chain.payer, c.evm!.payTo, BigInt(c.evm!.atomic));
  await mine(chain, 1);
  expect(reasonOf(await settle('anvil', tx, observer.id))).toBe(REASONS.PAYMENT_WRONG_RECIPIENT);
  const first = await settle('anvil', tx, c.id);
  if (!first.ok) throw new Error(`refused: ${first.reason} ${first.message}`);
  const claims = await verifyToken(first.token);
  expect(claims).toMatchObject({ resource: '/premium', tier: 'gold', pay: { network: 'anvil', tx } });
  const again = await settle('anvil', tx, c.id);
  if (!again.ok) throw new Error(`refused: ${again.reason}`);
  expect((await verifyToken(again.token)).jti).toBe(claims.jti);
});

it('refuses a Solana signature named on the EVM network, and an underpayment on Solana', async () => {
  const c = await mint();
  const sig = await payToken(rpc, {
    from: payer,
    recipient: merchant,
    mint: usdcMint,
    decimals: 6,
    amount: 1_000n,
    reference: c.solana!.reference!,
  });
  expect(reasonOf(await settle('anvil', sig, c.id))).toBe(REASONS.PAYMENT_TX_MALFORMED);
  expect(reasonOf(await settle(SOLANA_NETWORK, sig, c.id))).toBe(REASONS.PAYMENT_UNDERPAID);
});

it('a recorded challenge (unbound proofs allowed): the watcher credits a Solana payment, a bare signature then gets its one grant', async () => {
  const c = await recordedChallenge();
  const sig = await payToken(rpc, {
    from: payer,
    recipient: merchant,
    mint: usdcMint,
    decimals: 6,
    amount: 1_500_000n,
    reference: c.solana.reference!,
  });
  await waitForInvoice(p.portal.publicUrl, c.id, (v) => v.invoice.status === 'paid');
  expect(await rowsFor(SOLANA_NETWORK, sig)).toEqual({ payments: '1', redemptions: '1' });
  const first = await settle(SOLANA_NETWORK, sig, undefined, unbound());
  if (!first.ok) throw new Error(`refused: ${first.reason} ${first.message}`);
  expect(await verifyToken(first.token)).toMatchObject({
    pay: { network: SOLANA_NETWORK, tx: sig, invoice: c.id },
  });
  const again = await settle(SOLANA_NETWORK, sig, undefined, unbound());
  if (!again.ok) throw new Error(`refused: ${again.reason}`);
  expect((await verifyToken(again.token)).jti).toBe((await verifyToken(first.token)).jti);
  expect(await rowsFor(SOLANA_NETWORK, sig)).toEqual({ payments: '1', redemptions: '1' });
});

it('shows the x402 relayer address and gas balance in /readyz and /metrics', async () => {
  const ready = await fetch(`${p.portal.publicUrl}/readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { checks: { relayer?: { ok: boolean; detail: string } } };
  expect(body.checks.relayer?.detail).toContain(relayer.address);
  expect(body.checks.relayer?.detail).toMatch(/anvil=\d+(\.\d+)?/);
  const metrics = await (await fetch(`${p.portal.publicUrl}/metrics`)).text();
  expect(metrics).toMatch(
    new RegExp(`turnpike_portal_relayer_balance\\{network="anvil",address="${relayer.address}"\\} [1-9]`),
  );
});

it("an x402 payment to the portal's x402 address settles through the relayer once; the same authorization again returns its grant", async () => {
  const payee = payeeResponseSchema.parse(
    await (
      await fetch(`${p.portal.internalUrl}${PORTAL_API_PATHS.payee}`, {
        headers: { authorization: `Bearer ${p.internalToken}` },
      })
    ).json(),
  );
  const c = { evm: { payTo: payee.x402!.payTo, atomic: '1000000' } };
  // Anvil's dev account 1 (chain.payer) holds the USDC; its key is public (dev mnemonic).
  const payerWallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/1");
  expect(payerWallet.address).toBe(getAddress(chain.payer));
  const now = Math.floor(Date.now() / 1000);
  const authorization = {
    from: payerWallet.address,
    to: getAddress(c.evm.payTo),
    value: c.evm.atomic,
    validAfter: String(now - 600),
    validBefore: String(now + 300),
    nonce: `0x${randomBytes(32).toString('hex')}`,
  };
  const signature = await payerWallet.signTypedData(
    { name: 'USD Coin', version: '2', chainId: 31337, verifyingContract: chain.usdc.address },
    TRANSFER_WITH_AUTHORIZATION_TYPES,
    authorization,
  );
  const payload = {
    x402Version: 2,
    resource: { url: 'https://shop.test/premium' },
    accepted: {
      scheme: 'exact',
      network: 'eip155:31337',
      amount: c.evm.atomic,
      asset: getAddress(chain.usdc.address),
      payTo: getAddress(c.evm.payTo),
      maxTimeoutSeconds: 300,
      // The requester's secret, echoed as the 402 listed it (the x402 payment's binding).
      extra: { name: 'USD Coin', version: '2', challenge: 'requester-secret-0123456789' },
    },
    payload: { signature, authorization },
  };
  const send = async () => {
    const res = await p.internal(PORTAL_API_PATHS.settle, {
      ...target,
      request: wire(),
      proof: { type: 'x402', version: 2, payload },
    });
    expect(res.status).toBe(200);
    return settleResponseSchema.parse(await res.json());
  };
  const first = await send();
  if (!first.ok) throw new Error(`refused: ${first.reason} ${first.message}`);
  const claims = await verifyToken(first.token);
  expect(claims).toMatchObject({ resource: '/premium', pay: { network: 'anvil' } });
  expect(first.receipt).toMatchObject({ success: true, network: 'eip155:31337' });
  const balance = await chain.usdc.balanceOf(c.evm.payTo);
  const again = await send();
  if (!again.ok) throw new Error(`refused: ${again.reason}`);
  expect((await verifyToken(again.token)).jti).toBe(claims.jti);
  expect(again.receipt).toEqual(first.receipt);
  // Nothing was settled the second time.
  expect(await chain.usdc.balanceOf(c.evm.payTo)).toBe(balance);
});

it('refuses confirmations on a Solana watcher, and leaves Solana offers out without a Solana wallet', async () => {
  const solana = {
    rpcUrl: front.url,
    caip2: `solana:${newSolanaReference().slice(0, 32)}`,
    usdcMint,
    wallet: merchant,
  };
  const watchers = {
    anvil: { rpcUrls: [chain.anvil.rpcUrl] },
    [SOLANA_NETWORK]: { rpcUrls: [front.url], confirmations: 3 },
  };
  const refused = await startPortal(chain, { solana, extra: { watchers } }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ConfigError);
  expect((refused as ConfigError).problems.join('\n')).toContain(`watchers.${SOLANA_NETWORK}.confirmations`);

  const noWallet = await startPortal(chain, {
    solana,
    extra: { wallets: { evm: { xpub: DEV_XPUB, poolLowWater: 5, poolBatch: 20 } } },
  });
  try {
    const res = await noWallet.internal(PORTAL_API_PATHS.challenges, {
      ...target,
      request: noWallet.wire({
        claims: {},
        exp: 60_000,
        payment: {
          requests: [
            { network: 'anvil', amount: '1', asset: 'USDC' },
            { network: SOLANA_NETWORK, amount: '1.5', asset: 'USDC' },
          ],
        },
      }),
      client: { ip: '203.0.113.8' },
    });
    expect(challengeSchema.parse(await res.json()).offers.map((o) => o.network)).toEqual(['anvil']);
  } finally {
    await noWallet.close();
  }
});
