/**
 * The replicated stack of the storm, every part real and every service its own OS process:
 * PostgreSQL (one database), anvil with Circle's USDC mining a block every second, three
 * payment-portal processes sharing the database (their watchers coordinate through its lease),
 * two authz-service processes, NGINX running the shipped config in front of them all (plus the
 * test's own internal load balancer for the portals' internal API, see storm-nginx.ts), and the
 * recording upstream (its own process too) that prices /premium/** in ETH and USDC on anvil.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonRpcProvider, Wallet } from 'ethers';
import pg from 'pg';
import { DEV_RECEIVE_XPUB, devNetworks } from '../../deploy/dev/portal-config.js';
import { deployUsdc, devProvider, startAnvil, type DeployedToken } from '../support/anvil.js';
import { freePort } from '../support/ports.js';
import { startPostgres } from '../support/postgres.js';
import type { PaymentRequestWireJson } from '../support/upstream.js';
import { fundPayers } from './fund-payers.js';
import { spawnService, waitReady, type ServiceProcess } from './service-process.js';
import { startStormNginx, type StormNginx } from './storm-nginx.js';
import { startUpstreamProcess, type UpstreamProcess } from './upstream-process.js';

export const NETWORK = 'anvil';
export const BLOCK_TIME_SECONDS = 1;
export const CONFIRMATIONS = 1;
export const ISSUER = 'https://storm.test/_402';
/** What /premium/** costs: 0.01 USDC or 0.0001 ETH on the anvil network. */
export const PRICE: PaymentRequestWireJson = {
  claims: { plan: 'premium' },
  exp: 3_600_000,
  payment: {
    requests: [
      { network: NETWORK, amount: '0.01', asset: 'USDC' },
      { network: NETWORK, amount: '0.0001' },
    ],
  },
};
const PAYER_WEI = 50_000_000_000_000_000n; // 0.05 ETH: the price and gas, many times over
const PAYER_USDC = 1_000_000n; // 1 USDC
const READY_TIMEOUT_MS = 60_000;
const ENV = {
  databaseUrl: 'STORM_DATABASE_URL',
  portalToken: 'STORM_PORTAL_INTERNAL_TOKEN',
  signingKey: 'STORM_TOKEN_SIGNING_KEY',
} as const;

export interface ReplicaStack {
  /** `http://127.0.0.1:<nginx port>` */
  baseUrl: string;
  nginx: StormNginx;
  authz: ServiceProcess[];
  portals: ServiceProcess[];
  upstream: UpstreamProcess;
  rpcUrl: string;
  provider: JsonRpcProvider;
  usdc: DeployedToken;
  payers: Wallet[];
  /** `127.0.0.1:port` → which process listens there (`authz-1`, `portal-2 internal`, …), for logs. */
  names: ReadonlyMap<string, string>;
  /** How long each start-up step took, ms. */
  setupMs: Record<string, number>;
  /** One query on the portals' database. */
  query<T extends object>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface ReplicaStackOptions {
  authzReplicas: number;
  portalReplicas: number;
  payers: number;
}

function portalConfig(o: { publicPort: number; internalPort: number; rpcUrl: string; usdc: string }): object {
  return {
    listeners: {
      public: { host: '127.0.0.1', port: o.publicPort },
      internal: { host: '127.0.0.1', port: o.internalPort },
      internalToken: { fromEnv: ENV.portalToken },
    },
    database: { url: { fromEnv: ENV.databaseUrl }, poolSize: 10 },
    issuer: ISSUER,
    tokens: { signingKeys: [{ kid: 'storm', privateKey: { fromEnv: ENV.signingKey } }] },
    networks: devNetworks(o.usdc, CONFIRMATIONS),
    // Every payer comes from 127.0.0.1.
    invoice: { rateLimitPerMinutePerIp: 100_000 },
    watchers: { [NETWORK]: { rpcUrls: [o.rpcUrl], pollIntervalMs: 500, rpcTimeoutMs: 3_000 } },
    // Each 402 allocates two addresses (ETH and USDC offers), and every refused proof renders a new 402.
    wallets: { evm: { xpub: DEV_RECEIVE_XPUB, poolLowWater: 100, poolBatch: 300 } },
    proofs: { tx: { networks: { [NETWORK]: { blockTimeSeconds: BLOCK_TIME_SECONDS } } } },
    logLevel: 'warn',
  };
}

function authzConfig(o: {
  port: number;
  gatewayPort: number;
  internalLbPort: number;
  usdc: string;
  upstream: string;
}): object {
  return {
    listeners: { host: '127.0.0.1', httpPort: o.port },
    issuer: ISSUER,
    // Through the gateway's /_402/ route: whichever portal replica answers, the keys are the same.
    jwks: { url: `http://127.0.0.1:${o.gatewayPort}/_402/.well-known/jwks.json` },
    networks: devNetworks(o.usdc, CONFIRMATIONS),
    upstreams: { '127.0.0.1': o.upstream },
    portal: { internalUrl: `http://127.0.0.1:${o.internalLbPort}`, token: { fromEnv: ENV.portalToken } },
    logLevel: 'warn',
  };
}

export async function startReplicaStack(opts: ReplicaStackOptions): Promise<ReplicaStack> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  const setupMs: Record<string, number> = {};
  let stepStarted = Date.now();
  const step = (name: string): void => {
    setupMs[name] = Date.now() - stepStarted;
    stepStarted = Date.now();
  };
  try {
    const postgres = await startPostgres();
    cleanups.push(() => postgres.stop());
    const databaseUrl = await postgres.createDatabase('storm');
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    cleanups.push(() => db.end());
    step('postgres');

    // Automine while deploying and funding; then a block every BLOCK_TIME_SECONDS, so a proof
    // presented right after its receipt is still one confirmation short (payment_pending).
    const anvil = await startAnvil();
    cleanups.push(() => anvil.stop());
    const provider = devProvider(anvil.rpcUrl);
    cleanups.push(async () => provider.destroy());
    const funder = anvil.accounts[0]!.address;
    const usdc = await deployUsdc(anvil.rpcUrl, funder);
    const payers = await fundPayers({
      rpcUrl: anvil.rpcUrl,
      provider,
      funder,
      usdcAddress: usdc.address,
      count: opts.payers,
      weiEach: PAYER_WEI,
      usdcAtomicEach: PAYER_USDC,
      seed: `storm-${process.pid}-${Date.now()}`,
    });
    await anvil.rpc('evm_setIntervalMining', [BLOCK_TIME_SECONDS]);
    step('anvil, USDC, funding');

    const upstream = await startUpstreamProcess(PRICE);
    cleanups.push(async () => {
      await upstream.proc.stop(2_000);
    });
    step('upstream');

    const dir = await mkdtemp(path.join(tmpdir(), 'turnpike-storm-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const env = {
      [ENV.databaseUrl]: databaseUrl,
      [ENV.portalToken]: randomBytes(24).toString('base64url'),
      [ENV.signingKey]: generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
    };
    const ports = async (n: number) => Promise.all(Array.from({ length: n }, () => freePort()));
    const portalPublic = await ports(opts.portalReplicas);
    const portalInternal = await ports(opts.portalReplicas);
    const authzPorts = await ports(opts.authzReplicas);

    const portals = await Promise.all(
      portalPublic.map((publicPort, i) =>
        spawnService({
          kind: 'portal',
          name: `portal-${i + 1}`,
          dir,
          env,
          config: portalConfig({
            publicPort,
            internalPort: portalInternal[i]!,
            rpcUrl: anvil.rpcUrl,
            usdc: usdc.address,
          }),
        }),
      ),
    );
    cleanups.push(async () => {
      await Promise.all(portals.map((p) => p.proc.stop(3_000)));
    });
    await Promise.all(
      portals.map((p, i) => waitReady(p, `http://127.0.0.1:${portalPublic[i]}/readyz`, READY_TIMEOUT_MS)),
    );
    step('portals');

    const nginx = await startStormNginx({
      authz: authzPorts.map((p) => `127.0.0.1:${p}`),
      portalPublic: portalPublic.map((p) => `127.0.0.1:${p}`),
      portalInternal: portalInternal.map((p) => `127.0.0.1:${p}`),
      upstream: upstream.address,
    });
    cleanups.push(() => nginx.stop());
    step('nginx');

    const authz = await Promise.all(
      authzPorts.map((port, i) =>
        spawnService({
          kind: 'authz',
          name: `authz-${i + 1}`,
          dir,
          env,
          config: authzConfig({
            port,
            gatewayPort: nginx.port,
            internalLbPort: nginx.internalLbPort,
            usdc: usdc.address,
            upstream: upstream.baseUrl,
          }),
        }),
      ),
    );
    cleanups.push(async () => {
      await Promise.all(authz.map((a) => a.proc.stop(3_000)));
    });
    // /readyz is 200 once the token keys came through the gateway from a portal.
    await Promise.all(
      authz.map((a, i) => waitReady(a, `http://127.0.0.1:${authzPorts[i]}/readyz`, READY_TIMEOUT_MS)),
    );

    step('authorizers');
    const names = new Map<string, string>([
      [upstream.address, 'upstream'],
      [`127.0.0.1:${nginx.internalLbPort}`, 'internal LB'],
      ...authzPorts.map((p, i): [string, string] => [`127.0.0.1:${p}`, `authz-${i + 1}`]),
      ...portalPublic.map((p, i): [string, string] => [`127.0.0.1:${p}`, `portal-${i + 1} public`]),
      ...portalInternal.map((p, i): [string, string] => [`127.0.0.1:${p}`, `portal-${i + 1} internal`]),
    ]);
    return {
      baseUrl: `http://127.0.0.1:${nginx.port}`,
      names,
      setupMs,
      nginx,
      authz,
      portals,
      upstream,
      rpcUrl: anvil.rpcUrl,
      provider,
      usdc,
      payers,
      async query<T extends object>(sql: string, params: unknown[] = []) {
        return (await db.query<T>(sql, params)).rows;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
