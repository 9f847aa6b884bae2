/**
 * A whole paying stack for the payment suites, every part real: anvil (chain id 84532, registered
 * as the built-in `base-sepolia` so x402 v1 clients, which know only named networks, can pay on it)
 * with Circle's USDC (FiatTokenV2_2) and a look-alike token; the payment-portal (PGlite in memory,
 * a watcher and tx/x402 proofs on that chain, the x402 relayer key from env — the only key it
 * holds); the authz-service (JWKS fetched from the portal); an upstream that records what reached
 * it; and a gateway (NGINX, Caddy or HAProxy) running the shipped integrations/ config.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Wallet, type JsonRpcProvider } from 'ethers';
import { stringify } from 'yaml';
import {
  loadAuthzConfig,
  startAuthzService,
  type AuthzConfig,
  type AuthzServiceHandle,
} from '@turnpike/authz-service';
import { loadPortalConfig, startPaymentPortal, type RunningPaymentPortal } from '@turnpike/payment-portal';
import { localAnvilNetwork } from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { DEV_RECEIVE_XPUB } from '../../deploy/dev/portal-config.js';
import {
  deployFakeToken,
  deployUsdc,
  devKey,
  devProvider,
  startAnvil,
  type AnvilChain,
  type DeployedToken,
} from './anvil.js';
import { startGateway, type GatewayKind, type RunningGateway } from './gateways.js';
import { deployPermit2, deployPlainToken, type PlainToken } from './permit2.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.js';
import { waitForReady } from './wait-for-402.js';
import { startTestUpstream, type PaymentRequestWireJson, type TestUpstream } from './upstream.js';

/** The registry name the chain is served under, its chain id and x402 (CAIP-2) name. */
export const PAY_NETWORK = 'base-sepolia';
export const PAY_CHAIN_ID = 84532;
export const PAY_CAIP2 = `eip155:${PAY_CHAIN_ID}`;
export const ISSUER = 'https://payments.test/_402';
/** What the upstream asks for /premium/**: 0.01 USDC or 0.0001 ETH on the test chain. */
export const USDC_PRICE_ATOMIC = 10_000n;
export const ETH_PRICE_WEI = 100_000_000_000_000n;
export const PRICE: PaymentRequestWireJson = {
  claims: { plan: 'premium' },
  exp: 3_600_000,
  payment: {
    requests: [
      { network: PAY_NETWORK, amount: '0.01', asset: 'USDC' },
      { network: PAY_NETWORK, amount: '0.0001' },
    ],
  },
};

/** A funded anvil dev account (public test keys of the dev mnemonic). */
export interface DevAccount {
  address: string;
  privateKey: `0x${string}`;
  wallet: Wallet;
}

export interface PaymentStack {
  anvil: AnvilChain;
  provider: JsonRpcProvider;
  usdc: DeployedToken;
  /** Another FiatTokenV2_2 deployment: same name, symbol and Transfer event, other contract. */
  lookAlike: DeployedToken;
  /** The first portal replica (the gateway's `/_402/` and the JWKS go to it). */
  portal: RunningPaymentPortal;
  /** Every portal replica (one unless `portals` asked for more). */
  portals: RunningPaymentPortal[];
  /** With several replicas: the proxy spreading the authorizer's internal calls over them in turn. */
  internalProxy: RoundRobinProxy | undefined;
  authz: AuthzServiceHandle;
  /** The authorizer's loaded config (another replica starts from it). */
  authzConfig: AuthzConfig;
  /** The admin API's bearer secret (served with `admin`). */
  adminToken: string;
  /** Every authorizer replica (one unless `authzReplicas` asked for more); the first is `authz`. */
  authzs: AuthzServiceHandle[];
  /** With several authorizer replicas: the proxy the gateway's auth requests go through, in turn. */
  authzProxy: RoundRobinProxy | undefined;
  upstream: TestUpstream;
  gateway: RunningGateway;
  /** `http://127.0.0.1:<gateway port>` */
  baseUrl: string;
  /** With `permit2`: the plain ERC-20 (configured as `PLAIN`, x402 through Permit2). */
  plain?: PlainToken;
  /** Dev accounts 1..4, each holding 1,000 USDC and anvil's 10,000 ETH. */
  payers: DevAccount[];
  /** Requests of the app itself (not the authorizer's probes) whose path starts with `prefix`. */
  appHits(prefix: string): number;
  /** Mines `blocks` empty blocks. */
  mine(blocks?: number): Promise<void>;
  close(): Promise<void>;
}

const RELAYER_INDEX = 9;
const RELAYER_ENV = 'TURNPIKE_TEST_RELAYER_KEY';
const PORTAL_TOKEN_ENV = 'TURNPIKE_TEST_PORTAL_TOKEN';
const SIGNING_KEY_ENV = 'TURNPIKE_TEST_SIGNING_KEY';
const DATABASE_ENV = 'TURNPIKE_TEST_DATABASE_URL';
const ADMIN_TOKEN_ENV = 'TURNPIKE_TEST_ADMIN_TOKEN';

export function devAccount(index: number, provider?: JsonRpcProvider): DevAccount {
  const { address, privateKey } = devKey(index);
  return { address, privateKey, wallet: new Wallet(privateKey, provider ?? null) };
}

export async function startPaymentStack(opts: {
  gateway: GatewayKind;
  /** Blocks on top of a payment before it counts (default 1). */
  confirmations?: number;
  /**
   * Also Permit2 and x402's exact Permit2 proxy at their canonical addresses and a plain ERC-20
   * (no EIP-3009) configured as `PLAIN` with `assetTransferMethod: permit2`; payers hold 1,000.
   */
  permit2?: boolean;
  /** What the upstream asks (default PRICE). */
  price?: PaymentRequestWireJson;
  /**
   * Portal replicas sharing one database (default 1). More than one needs `databaseUrl`: they
   * share that PostgreSQL database, and the authorizer's internal calls go to them in turn.
   */
  portals?: number;
  /** A PostgreSQL database for the portal(s) instead of in-memory PGlite. */
  databaseUrl?: string;
  /**
   * The chain's registry name and id (default PAY_NETWORK on PAY_CHAIN_ID). `custom`: a network of
   * the config's own (protocol's localAnvilNetwork, as deploy/dev writes it), not a built-in.
   */
  network?: { name: string; chainId: number; custom?: boolean };
  /** An upstream of the test's own instead of the default one (closed with the stack). */
  upstream?: TestUpstream;
  /** More host names the authorizer maps to the upstream (besides 127.0.0.1). */
  upstreamHosts?: string[];
  /** More authorizer config (top-level keys, e.g. `discovery`, `routes`). */
  authz?: Record<string, unknown>;
  /** More portal config (top-level keys, e.g. `sites`). */
  portalConfig?: Record<string, unknown>;
  /** Serve each portal replica's admin listener (admin API) with the secret `adminToken`. */
  admin?: boolean;
  /** Authorizer replicas (default 1); with more, the gateway asks them in turn through a proxy. */
  authzReplicas?: number;
}): Promise<PaymentStack> {
  const replicas = opts.portals ?? 1;
  if (replicas > 1 && opts.databaseUrl === undefined)
    throw new Error('several portal replicas need a shared database (databaseUrl)');
  const netName = opts.network?.name ?? PAY_NETWORK;
  const cleanups: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const anvil = await startAnvil({ chainId: opts.network?.chainId ?? PAY_CHAIN_ID });
    cleanups.push(() => anvil.stop());
    const provider = devProvider(anvil.rpcUrl);
    cleanups.push(async () => provider.destroy());
    const deployer = anvil.accounts[0]!.address;
    const usdc = await deployUsdc(anvil.rpcUrl, deployer);
    const lookAlike = await deployFakeToken(anvil.rpcUrl, deployer);
    const payers = [1, 2, 3, 4].map((i) => devAccount(i, provider));
    for (const p of payers) {
      await usdc.mint(p.address, 1_000_000_000n);
      await lookAlike.mint(p.address, 1_000_000_000n);
    }
    let plain: PlainToken | undefined;
    if (opts.permit2 === true) {
      await deployPermit2(anvil);
      plain = await deployPlainToken(anvil, devAccount(0, provider).wallet);
      for (const p of payers) await plain.mint(p.address, 1_000_000_000n);
    }

    const upstream = opts.upstream ?? (await startTestUpstream({ price: opts.price ?? PRICE }));
    cleanups.push(() => upstream.close());

    const dir = await mkdtemp(path.join(tmpdir(), 'turnpike-payments-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const internalToken = randomBytes(24).toString('base64url');
    const adminToken = randomBytes(24).toString('base64url');
    const networks = {
      [netName]:
        opts.network?.custom === true
          ? localAnvilNetwork({
              chainId: opts.network.chainId,
              usdcAddress: usdc.address,
              confirmations: opts.confirmations ?? 1,
            })
          : {
              confirmations: opts.confirmations ?? 1,
              tokens: {
                USDC: { address: usdc.address, eip712: { name: 'USD Coin', version: '2' } },
                ...(plain === undefined
                  ? {}
                  : {
                      PLAIN: {
                        address: plain.address,
                        decimals: 6,
                        eip712: { name: 'Plain Token', version: '1' },
                        assetTransferMethod: 'permit2',
                      },
                    }),
              },
            },
    };
    const portalFile = {
      listeners: {
        public: { host: '127.0.0.1', port: 0 },
        internal: { host: '127.0.0.1', port: 0 },
        internalToken: { fromEnv: PORTAL_TOKEN_ENV },
      },
      ...(opts.admin === true
        ? { admin: { listen: { host: '127.0.0.1', port: 0 }, token: { fromEnv: ADMIN_TOKEN_ENV } } }
        : {}),
      database: opts.databaseUrl === undefined ? { memory: true } : { url: { fromEnv: DATABASE_ENV } },
      issuer: ISSUER,
      tokens: { signingKeys: [{ kid: 'payments-test', privateKey: { fromEnv: SIGNING_KEY_ENV } }] },
      networks,
      // Every simulated payer and observer comes from 127.0.0.1: the per-client limits would count them as one.
      invoice: { rateLimitPerMinutePerIp: 10_000 },
      watchers: { [netName]: { rpcUrls: [anvil.rpcUrl], pollIntervalMs: 500, rpcTimeoutMs: 3_000 } },
      wallets: { evm: { xpub: DEV_RECEIVE_XPUB, poolLowWater: 10, poolBatch: 50 } },
      proofs: {
        attemptsPerMinutePerClient: 10_000,
        tx: { networks: { [netName]: { blockTimeSeconds: 1 } } },
        x402: { mode: 'relayer', relayerKey: { fromEnv: RELAYER_ENV } },
      },
      logLevel: 'silent',
      ...opts.portalConfig,
    };
    await writeFile(path.join(dir, 'portal.yaml'), stringify(portalFile));
    const portalConfig = await loadPortalConfig({
      file: path.join(dir, 'portal.yaml'),
      env: {
        [PORTAL_TOKEN_ENV]: internalToken,
        [SIGNING_KEY_ENV]: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
        [RELAYER_ENV]: devAccount(RELAYER_INDEX).privateKey,
        [ADMIN_TOKEN_ENV]: adminToken,
        ...(opts.databaseUrl === undefined ? {} : { [DATABASE_ENV]: opts.databaseUrl }),
      },
    });
    const portals: RunningPaymentPortal[] = [];
    for (let i = 0; i < replicas; i++) {
      const replica = await startPaymentPortal(portalConfig, {
        logger: createLogger({ name: `portal-payments-${i + 1}`, level: 'silent' }),
      });
      cleanups.push(() => replica.close());
      portals.push(replica);
    }
    const portal = portals[0]!;
    const internalProxy =
      replicas > 1 ? await startRoundRobinProxy(portals.map((p) => p.internalUrl)) : undefined;
    if (internalProxy !== undefined) cleanups.push(() => internalProxy.close());

    const { config } = await loadAuthzConfig({
      env: { [PORTAL_TOKEN_ENV]: internalToken },
      base: {
        listeners: { host: '127.0.0.1', httpPort: 0 },
        issuer: ISSUER,
        jwks: { url: `${portal.publicUrl}/_402/.well-known/jwks.json` },
        networks,
        upstreams: Object.fromEntries(
          ['127.0.0.1', ...(opts.upstreamHosts ?? [])].map((h) => [h, upstream.baseUrl]),
        ),
        portal: {
          internalUrl: internalProxy?.url ?? portal.internalUrl,
          token: { fromEnv: PORTAL_TOKEN_ENV },
        },
        logLevel: 'silent',
        ...opts.authz,
      },
    });
    const authzs: AuthzServiceHandle[] = [];
    for (let i = 0; i < (opts.authzReplicas ?? 1); i++) {
      const replica = await startAuthzService(config, {
        logger: createLogger({ name: `authz-payments-${i + 1}`, level: 'silent' }),
      });
      cleanups.push(() => replica.close());
      authzs.push(replica);
    }
    const authz = authzs[0]!;
    const authzProxy =
      authzs.length > 1
        ? await startRoundRobinProxy(
            authzs.map((a) => `http://127.0.0.1:${a.httpPort}`),
            { preserveHost: true },
          )
        : undefined;
    if (authzProxy !== undefined) cleanups.push(() => authzProxy.close());

    const gateway = await startGateway(opts.gateway, {
      authz: authzProxy === undefined ? `127.0.0.1:${authz.httpPort}` : new URL(authzProxy.url).host,
      portal: new URL(portal.publicUrl).host,
      upstream: upstream.address,
    });
    cleanups.push(() => gateway.stop());
    // The authorizer answers 503 until its warm-up is done (the portal's payee, a first lease of
    // challenge addresses): right for a replica starting up, not what a payment suite tests.
    for (const a of authzs) await waitForReady(`http://127.0.0.1:${a.httpPort}/readyz`);

    return {
      anvil,
      provider,
      usdc,
      lookAlike,
      ...(plain === undefined ? {} : { plain }),
      portal,
      portals,
      internalProxy,
      authz,
      authzConfig: config,
      adminToken,
      authzs,
      authzProxy,
      upstream,
      gateway,
      baseUrl: `http://127.0.0.1:${gateway.port}`,
      payers,
      appHits: (prefix) =>
        upstream.appRequests().filter((r) => r.url.startsWith(prefix) && r.method !== 'HEAD').length,
      async mine(blocks = 1) {
        await anvil.rpc('anvil_mine', [`0x${blocks.toString(16)}`]);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
