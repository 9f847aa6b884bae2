/**
 * A real stand for proof tests: anvil with Circle's USDC (FiatTokenV2_2) and a look-alike token,
 * a migrated database (PGlite in memory, or PostgreSQL), invoices with unique receive addresses
 * from a random watch-only xpub, token keys, and the ProofContext the verifiers run on.
 */
import { generateKeyPairSync } from 'node:crypto';
import { HDNodeWallet, Wallet, parseEther, type TransactionRequest } from 'ethers';
import {
  createNetworkRegistry,
  deriveSealKeys,
  localAnvilNetwork,
  paymentRequestFromJson,
  toWire,
  type ChallengeClaims,
  type SealKeys,
  type EvmNetwork,
  type NetworkRegistry,
  type PaymentRequestWire,
  type SettleProof,
  type SettleRequest,
} from '@turnpike/protocol';
import { createLogger, Secret } from '@turnpike/protocol/service';
import { createAddressPool, type AddressPool } from '../../../src/addresses/address-pool.js';
import { createEvmAddressDeriver } from '../../../src/addresses/derive-evm.js';
import { createXpubDeriver, type XpubDeriver } from '../../../src/addresses/xpub-deriver.js';
import { describePayee } from '../../../src/challenges/payee.js';
import { createTestChallengeMinter } from '../../../../tests/support/sealed-challenge.js';
import { createInvoice } from '../../../src/invoices/create-invoice.js';
import type { InvoiceRecord } from '../../../src/invoices/types.js';
import type { ProofContext } from '../../../src/proofs/index.js';
import { migrate, openDatabase, type Database } from '../../../src/storage/index.js';
import { loadSigningKeys, type SigningKeySet } from '../../../src/tokens/signing-keys.js';
import {
  deployFakeToken,
  deployUsdc,
  devProvider,
  startAnvil,
  type AnvilChain,
  type DeployedToken,
} from '../../../../tests/support/anvil.js';

export const HOST = 'shop.test';
export const RESOURCE = '/premium';

export interface EvmStand {
  anvil: AnvilChain;
  usdc: DeployedToken;
  fake: DeployedToken;
  registry: NetworkRegistry;
  network: EvmNetwork;
  /** A funded payer (ETH + USDC + fake token) whose key the tests hold. */
  payer: Wallet;
  /** A funded account for the x402 relayer. */
  relayerKey: string;
  close(): Promise<void>;
}

/** Starts anvil, deploys USDC and the look-alike, funds a payer and a relayer. */
export async function startEvmStand(): Promise<EvmStand> {
  const anvil = await startAnvil();
  try {
    const deployer = anvil.accounts[0]!.address;
    const usdc = await deployUsdc(anvil.rpcUrl, deployer);
    const fake = await deployFakeToken(anvil.rpcUrl, deployer);
    const provider = devProvider(anvil.rpcUrl);
    const payer = new Wallet(Wallet.createRandom().privateKey, provider);
    const relayer = Wallet.createRandom();
    for (const a of [payer.address, relayer.address])
      await anvil.rpc('anvil_setBalance', [a, `0x${parseEther('100').toString(16)}`]);
    await usdc.mint(payer.address, 1_000_000_000n);
    await fake.mint(payer.address, 1_000_000_000n);
    const registry = createNetworkRegistry({
      // The FiatTokenV2_2 the harness deploys is initialised with the name "USD Coin".
      anvil: {
        ...localAnvilNetwork({ usdcAddress: usdc.address, confirmations: 0, usdcEip712Name: 'USD Coin' }),
        x402V1Name: 'anvil',
      },
      // A second chain the resource is not offered on (no RPC: a proof naming it is refused first).
      other: localAnvilNetwork({ chainId: 31338 }),
    });
    return {
      anvil,
      usdc,
      fake,
      registry,
      network: registry.require('anvil') as EvmNetwork,
      payer,
      relayerKey: relayer.privateKey,
      close: () => anvil.stop(),
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/** A sealed API challenge, as the authorizer's 402 hands it out (nothing stored). */
export interface SealedChallenge {
  /** `paymentDetails.challengeId`: what the client sends back in `x-payment-challenge`. */
  id: string;
  claims: ChallengeClaims;
  wire: PaymentRequestWire;
  /** The challenge's one EVM receive address (every EVM offer pays it). */
  payTo: string;
}

export interface ProofCore {
  db: Database;
  pool: AddressPool;
  keys: SigningKeySet;
  sealKeys: SealKeys;
  deriver: XpubDeriver;
  pctx: ProofContext;
  /**
   * A sealed challenge for HOST + `resource` offering 1 USDC and 0.001 ETH (or the given request),
   * minted by the authorizer's own code over an address leased from this database.
   */
  challenge(opts?: { resource?: string; json?: unknown; now?: () => number }): Promise<SealedChallenge>;
  /**
   * A recorded challenge (an invoice an API 402 of a route accepting unbound proofs writes), or an
   * invoice opened on the pay page (`source: 'pay_page'`).
   */
  invoice(opts?: {
    resource?: string;
    json?: unknown;
    source?: 'challenge' | 'pay_page';
  }): Promise<{ invoice: InvoiceRecord; wire: PaymentRequestWire; usdcPayTo: string; ethPayTo: string }>;
  settleRequest(wire: PaymentRequestWire, proof: SettleProof, resource?: string): SettleRequest;
  close(): Promise<void>;
}

/** A resource that opted in to unbound transaction proofs (`proofs.tx.unbound: allow`). */
export function unbound(json: object): object {
  return { ...json, proofs: { tx: { unbound: 'allow' } } };
}

export const DEFAULT_REQUEST = {
  claims: { tier: 'gold' },
  exp: 3_600_000,
  payment: {
    requests: [
      { network: 'anvil', amount: '1', asset: 'USDC' },
      { network: 'anvil', amount: '0.001' },
    ],
  },
};

/** A migrated database, address pool and keys over `stand`; `db` defaults to in-memory PGlite. */
export async function startProofCore(stand: EvmStand, opts: { db?: Database } = {}): Promise<ProofCore> {
  const db = opts.db ?? (await openDatabase({ memory: true }));
  await migrate(db);
  // A random account's xpub: receive addresses are never anvil's unlocked dev accounts.
  const xpub = HDNodeWallet.createRandom(undefined, "m/44'/60'/0'").neuter().extendedKey;
  const pool = createAddressPool({ db, deriver: createEvmAddressDeriver(xpub), lowWater: 5, batch: 20 });
  await pool.refill();
  const deriver = createXpubDeriver(xpub);
  const sealKeys = deriveSealKeys('proof-tests-internal-secret');
  const rpcUrls = new Map([['anvil', [stand.anvil.rpcUrl]]]);
  const payee = describePayee(
    { txProofs: true, x402: true, solanaWallet: undefined, challengeTtlSeconds: 1_800 },
    { registry: stand.registry, rpcUrls, deriver },
  );
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = loadSigningKeys([
    { kid: 'k1', privateKey: new Secret(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()) },
  ]);
  const pctx: ProofContext = {
    db,
    registry: stand.registry,
    keys,
    issuer: 'https://portal.test',
    challengeKey: sealKeys.challenge,
    deriver,
    payee,
    rpcUrls,
    rpcTimeoutMs: () => 5_000,
    logger: createLogger({ name: 'proofs-test', level: 'silent' }),
  };
  const settleRequest = (
    wire: PaymentRequestWire,
    proof: SettleProof,
    resource = RESOURCE,
  ): SettleRequest => ({
    host: HOST,
    scheme: 'https',
    resource,
    originalUri: resource,
    request: wire,
    proof,
  });
  const mint = createTestChallengeMinter({ db, deriver, sealKeys, registry: stand.registry, payee });
  return {
    db,
    pool,
    keys,
    sealKeys,
    deriver,
    pctx,
    settleRequest,
    async challenge(o = {}) {
      const resource = o.resource ?? RESOURCE;
      const request = paymentRequestFromJson(o.json ?? DEFAULT_REQUEST, stand.registry);
      const minted = await mint(request, { host: HOST, resource, ...(o.now ? { now: o.now } : {}) });
      return { ...minted, wire: toWire(request) };
    },
    async invoice(o = {}) {
      const resource = o.resource ?? RESOURCE;
      const request = paymentRequestFromJson(o.json ?? DEFAULT_REQUEST, stand.registry);
      const invoice = await createInvoice(
        {
          db,
          registry: stand.registry,
          evmPool: pool,
          watchedNetworks: new Set(['anvil']),
          expiryMinutes: 30,
          rateLimitPerMinutePerIp: 100_000,
        },
        {
          target: { host: HOST, scheme: 'https', resource, originalUri: resource },
          request,
          clientIp: null,
          source: o.source ?? 'challenge',
        },
      );
      const usdcPayTo = invoice.offers.find((x) => x.assetKind === 'erc20')?.payTo ?? '';
      const ethPayTo = invoice.offers.find((x) => x.assetKind === 'native')?.payTo ?? '';
      return { invoice, wire: toWire(request), usdcPayTo, ethPayTo };
    },
    async close() {
      await pool.stop();
      if (!opts.db) await db.close();
    },
  };
}

/** Sends a transaction from the payer and waits for it to be mined; returns its hash. */
export async function payerSend(stand: EvmStand, tx: TransactionRequest): Promise<string> {
  const sent = await stand.payer.sendTransaction(tx);
  await sent.wait();
  return sent.hash;
}

/** The payer transfers `atomic` of `token` to `to`; returns the tx hash. */
export async function tokenTransfer(
  stand: EvmStand,
  token: DeployedToken,
  to: string,
  atomic: bigint,
): Promise<string> {
  const { Interface } = await import('ethers');
  const data = new Interface([
    'function transfer(address to, uint256 value) returns (bool)',
  ]).encodeFunctionData('transfer', [to, atomic]);
  return payerSend(stand, { to: token.address, data });
}
