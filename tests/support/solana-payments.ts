/**
 * A whole paying stack for x402 `exact` on Solana, every part real but the cluster: LiteSVM behind
 * the JSON-RPC front (litesvm-rpc.ts; no validator runs here) with a USDC-like SPL mint, registered
 * as the built-in `solana-devnet` (its CAIP-2 id is one the unmodified @x402/svm client knows; its
 * USDC mint replaced by the test mint); the payment-portal (PGlite in memory, the owner's Solana
 * wallet, x402 on Solana with a fee-payer key from env — the only Solana key it holds); the
 * authz-service; an upstream that records what reached it; and a gateway running the shipped
 * integrations/ config.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';
import {
  createSolanaRpc,
  generateKeyPairSigner,
  getBase58Decoder,
  type Address,
  type KeyPairSigner,
} from '@solana/kit';
import { stringify } from 'yaml';
import { loadAuthzConfig, startAuthzService, type AuthzServiceHandle } from '@turnpike/authz-service';
import { loadPortalConfig, startPaymentPortal, type RunningPaymentPortal } from '@turnpike/payment-portal';
import { createLogger } from '@turnpike/protocol/service';
import { startGateway, type GatewayKind, type RunningGateway } from './gateways.js';
import { startLiteSvmRpc, type LiteSvmRpc } from './litesvm-rpc.js';
import { createAta, createMint, fundedSigner, mintTo, randomAddress, type Rpc } from './solana/payer.js';
import { startTestUpstream, type PaymentRequestWireJson, type TestUpstream } from './upstream.js';
import { waitForReady } from './wait-for-402.js';

export const SOLANA_PAY_NETWORK = 'solana-devnet';
export const SOLANA_PAY_CAIP2 = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1';
export const SOLANA_ISSUER = 'https://payments.test/_402';
/** What the upstream asks for /premium/**: 0.01 USDC (6 decimals) on the Solana test network. */
export const SPL_PRICE_ATOMIC = 10_000n;

export interface SolanaPaymentStack {
  front: LiteSvmRpc;
  rpc: Rpc;
  usdcMint: Address;
  /** Another mint the payers hold (the wrong-asset case). */
  otherMint: Address;
  mintAuthority: KeyPairSigner;
  /** The owner's wallet (payTo of every Solana offer); its USDC token account exists. */
  merchant: Address;
  /** The portal's fee payer (public address). */
  feePayer: Address;
  /** Payers holding 1,000 USDC and 1,000 of the other token each, and no SOL at all. */
  payers: KeyPairSigner[];
  portal: RunningPaymentPortal;
  authz: AuthzServiceHandle;
  upstream: TestUpstream;
  gateway: RunningGateway;
  baseUrl: string;
  /** Requests of the app itself (not the authorizer's probes) whose path starts with `prefix`. */
  appHits(prefix: string): number;
  /** Token balance (atomic) of `owner`'s associated account for `mint`. */
  tokenBalance(owner: Address, mint?: Address): Promise<bigint>;
  close(): Promise<void>;
}

const FEE_PAYER_ENV = 'TURNPIKE_TEST_SOLANA_FEE_PAYER_KEY';
const PORTAL_TOKEN_ENV = 'TURNPIKE_TEST_PORTAL_TOKEN';
const SIGNING_KEY_ENV = 'TURNPIKE_TEST_SIGNING_KEY';

/** A fresh Ed25519 key as solana-keygen writes it: a JSON array of seed ‖ public key. */
export function solanaKeygenKey(): { json: string; address: Address } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  return {
    json: JSON.stringify([...seed, ...pub]),
    address: getBase58Decoder().decode(pub) as Address,
  };
}

export async function startSolanaPaymentStack(opts: {
  gateway: GatewayKind;
  /** SOL airdropped to the fee payer (default 1 SOL). */
  feePayerLamports?: bigint;
  /** `proofs.x402.solana.lowBalanceLamports` (default the portal's). */
  lowBalanceLamports?: number;
}): Promise<SolanaPaymentStack> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const front = await startLiteSvmRpc();
    cleanups.push(() => front.stop());
    const rpc = createSolanaRpc(front.url) as unknown as Rpc;
    const mintAuthority = await fundedSigner(rpc);
    const usdcMint = await createMint(rpc, mintAuthority, 6);
    const otherMint = await createMint(rpc, mintAuthority, 6);
    const merchant = await randomAddress();
    await createAta(rpc, mintAuthority, merchant, usdcMint);
    await createAta(rpc, mintAuthority, merchant, otherMint);
    const payers: KeyPairSigner[] = [];
    for (let i = 0; i < 3; i++) {
      const payer = await generateKeyPairSigner();
      for (const mint of [usdcMint, otherMint])
        await mintTo(
          rpc,
          mintAuthority,
          mint,
          await createAta(rpc, mintAuthority, payer.address, mint),
          1_000_000_000n,
        );
      payers.push(payer);
    }
    const feePayerKey = solanaKeygenKey();
    front.airdrop(feePayerKey.address, opts.feePayerLamports ?? 1_000_000_000n);

    const upstream = await startTestUpstream({
      price: {
        claims: { plan: 'premium' },
        exp: 3_600_000,
        payment: { requests: [{ network: SOLANA_PAY_NETWORK, amount: '0.01', asset: 'USDC' }] },
      } satisfies PaymentRequestWireJson,
    });
    cleanups.push(() => upstream.close());

    const dir = await mkdtemp(path.join(tmpdir(), 'turnpike-solana-payments-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const internalToken = randomBytes(24).toString('base64url');
    const networks = {
      [SOLANA_PAY_NETWORK]: { commitment: 'confirmed', tokens: { USDC: { mint: usdcMint } } },
    };
    const portalFile = {
      listeners: {
        public: { host: '127.0.0.1', port: 0 },
        internal: { host: '127.0.0.1', port: 0 },
        internalToken: { fromEnv: PORTAL_TOKEN_ENV },
      },
      database: { memory: true },
      issuer: SOLANA_ISSUER,
      tokens: { signingKeys: [{ kid: 'solana-payments-test', privateKey: { fromEnv: SIGNING_KEY_ENV } }] },
      networks,
      invoice: { rateLimitPerMinutePerIp: 10_000 },
      watchers: { [SOLANA_PAY_NETWORK]: { rpcUrls: [front.url], pollIntervalMs: 500, rpcTimeoutMs: 3_000 } },
      wallets: { solana: { address: merchant } },
      proofs: {
        attemptsPerMinutePerClient: 10_000,
        x402: {
          solana: {
            feePayerKey: { fromEnv: FEE_PAYER_ENV },
            ...(opts.lowBalanceLamports === undefined ? {} : { lowBalanceLamports: opts.lowBalanceLamports }),
          },
        },
      },
      logLevel: 'silent',
    };
    await writeFile(path.join(dir, 'portal.yaml'), stringify(portalFile));
    const portalConfig = await loadPortalConfig({
      file: path.join(dir, 'portal.yaml'),
      env: {
        [PORTAL_TOKEN_ENV]: internalToken,
        [SIGNING_KEY_ENV]: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
        [FEE_PAYER_ENV]: feePayerKey.json,
      },
    });
    const portal = await startPaymentPortal(portalConfig, {
      logger: createLogger({ name: 'portal-solana-payments', level: 'silent' }),
    });
    cleanups.push(() => portal.close());

    const { config } = await loadAuthzConfig({
      env: { [PORTAL_TOKEN_ENV]: internalToken },
      base: {
        listeners: { host: '127.0.0.1', httpPort: 0 },
        issuer: SOLANA_ISSUER,
        jwks: { url: `${portal.publicUrl}/_402/.well-known/jwks.json` },
        networks,
        upstreams: { '127.0.0.1': upstream.baseUrl },
        portal: { internalUrl: portal.internalUrl, token: { fromEnv: PORTAL_TOKEN_ENV } },
        logLevel: 'silent',
      },
    });
    const authz = await startAuthzService(config, {
      logger: createLogger({ name: 'authz-solana-payments', level: 'silent' }),
    });
    cleanups.push(() => authz.close());

    const gateway = await startGateway(opts.gateway, {
      authz: `127.0.0.1:${authz.httpPort}`,
      portal: new URL(portal.publicUrl).host,
      upstream: upstream.address,
    });
    cleanups.push(() => gateway.stop());
    // As startPaymentStack: a suite starts once the authorizer's warm-up is done, not on its 503.
    await waitForReady(`http://127.0.0.1:${authz.httpPort}/readyz`);

    return {
      front,
      rpc,
      usdcMint,
      otherMint,
      mintAuthority,
      merchant,
      feePayer: feePayerKey.address,
      payers,
      portal,
      authz,
      upstream,
      gateway,
      baseUrl: `http://127.0.0.1:${gateway.port}`,
      appHits: (prefix) =>
        upstream.appRequests().filter((r) => r.url.startsWith(prefix) && r.method !== 'HEAD').length,
      async tokenBalance(owner, mint = usdcMint) {
        const [ata] = await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
        const answer = await rpc.getTokenAccountBalance(ata).send();
        return BigInt(answer.value.amount);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
