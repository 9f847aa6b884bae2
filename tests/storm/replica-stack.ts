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
import { startOnFreePorts, type ServiceProcess } from './service-process.js';
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
    // Every payer comes from 127.0.0.1: the per-client limits would count 200 payers as one.
    invoice: { rateLimitPerMinutePerIp: 100_000 },
    watchers: { [NETWORK]: { rpcUrls: [o.rpcUrl], pollIntervalMs: 500, rpcTimeoutMs: 3_000 } },
    // API 402s take challenge addresses the authorizers lease (branch 1); the pool serves pay pages.
    wallets: { evm: { xpub: DEV_RECEIVE_XPUB, poolLowWater: 100, poolBatch: 300 } },
    proofs: {
      attemptsPerMinutePerClient: 100_000,
      tx: { networks: { [NETWORK]: { blockTimeSeconds: BLOCK_TIME_SECONDS } } },
    },
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

function fulfilled<T>(results: PromiseSettledResult<T>[]): T[] {
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

function throwFirstRejection(results: PromiseSettledResult<unknown>[]): void {
  for (const r of results) if (r.status === 'rejected') throw r.reason;
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
    // Each service gets its ports just before it starts (and new ones if another process took
    // them meanwhile), NGINX too; the authorizers' first ports are in NGINX's config from the start.
    const stopAll = (services: ServiceProcess[]) => async () => {
      await Promise.all(services.map((p) => p.proc.stop(3_000)));
    };
    const portalStarts = await Promise.allSettled(
      Array.from({ length: opts.portalReplicas }, (_, i) =>
        startOnFreePorts({
          kind: 'portal',
          name: `portal-${i + 1}`,
          dir,
          env,
          ports: 2,
          config: ([publicPort, internalPort]) =>
            portalConfig({
              publicPort: publicPort!,
              internalPort: internalPort!,
              rpcUrl: anvil.rpcUrl,
              usdc: usdc.address,
            }),
          readyUrl: ([publicPort]) => `http://127.0.0.1:${publicPort}/readyz`,
          timeoutMs: READY_TIMEOUT_MS,
        }),
      ),
    );
    const portals = fulfilled(portalStarts).map((s) => s.service);
    cleanups.push(stopAll(portals));
    throwFirstRejection(portalStarts);
    const portalPublic = fulfilled(portalStarts).map((s) => s.ports[0]!);
    const portalInternal = fulfilled(portalStarts).map((s) => s.ports[1]!);
    step('portals');

    const authzPorts = await Promise.all(Array.from({ length: opts.authzReplicas }, () => freePort()));
    const targets = () => ({
      authz: authzPorts.map((p) => `127.0.0.1:${p}`),
      portalPublic: portalPublic.map((p) => `127.0.0.1:${p}`),
      portalInternal: portalInternal.map((p) => `127.0.0.1:${p}`),
      upstream: upstream.address,
    });
    const nginx = await startStormNginx(targets());
    cleanups.push(() => nginx.stop());
    step('nginx');

    const authzStarts = await Promise.allSettled(
      authzPorts.map((firstPort, i) =>
        startOnFreePorts({
          kind: 'authz',
          name: `authz-${i + 1}`,
          dir,
          env,
          ports: 1,
          firstPorts: [firstPort],
          config: ([port]) =>
            authzConfig({
              port: port!,
              gatewayPort: nginx.port,
              internalLbPort: nginx.internalLbPort,
              usdc: usdc.address,
              upstream: upstream.baseUrl,
            }),
          // 200 once the token keys came through the gateway from a portal.
          readyUrl: ([port]) => `http://127.0.0.1:${port}/readyz`,
          timeoutMs: READY_TIMEOUT_MS,
          async onNewPorts([port]) {
            authzPorts[i] = port!;
            await nginx.reconfigure(targets());
          },
        }),
      ),
    );
    const authz = fulfilled(authzStarts).map((s) => s.service);
    cleanups.push(stopAll(authz));
    throwFirstRejection(authzStarts);
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
