/**
 * The whole local stack of `npm start`, every part real: anvil (chain id 84532, network `anvil`:
 * see DEV_STACK_CHAIN_ID for why; the dev mnemonic)
 * with Circle's USDC, the payment-portal (PGlite on disk), the authz-service (JWKS from the
 * portal), the demo app and the Express demo gateway. DEV ONLY: it uses anvil's public keys.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadAuthzConfig, startAuthzService, type AuthzServiceHandle } from '@turnpike/authz-service';
import { turnpikeGateway } from '@turnpike/express';
import { startPaymentPortal, type RunningPaymentPortal } from '@turnpike/payment-portal';
import { createLogger } from '@turnpike/protocol/service';
import {
  DEV_STACK_CHAIN_ID,
  deployUsdc,
  devKey,
  startAnvil,
  type AnvilChain,
} from '../../deploy/dev/index.js';
import { devNetworks, devPortalConfig } from '../../deploy/dev/portal-config.js';
import { prepareDataDir } from './data-dir.js';
import { QUOTE_REQUEST, startDemoUpstream, type DemoUpstream } from './demo-upstream.js';

export interface DevAccountInfo {
  index: number;
  address: string;
}

export interface DevStack {
  /** http://localhost:<gateway port> */
  url: string;
  rpcUrl: string;
  chainId: number;
  usdcAddress: string;
  /** Accounts holding ETH and USDC for the person trying the demo. */
  accounts: DevAccountInfo[];
  /** The account the pay page's "pay with dev account" sends from. */
  devPayAccount: DevAccountInfo;
  relayerAccount: DevAccountInfo;
  dataDir: string;
  signingKeyFile: string;
  xpub: string;
  close(): Promise<void>;
}

export interface StartDevStackOptions {
  dataDir: string;
  gatewayPort: number;
  /** Progress lines for the terminal. */
  log?: (line: string) => void;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

const USDC_PER_ACCOUNT = 1_000n * 1_000_000n;
const DEMO_ACCOUNT_INDEXES = [1, 2, 3];
const DEV_PAY_INDEX = 8;
const RELAYER_INDEX = 9;
const BLOCK_TIME_SECONDS = 1;
const DEMO_HOSTS = ['localhost', '127.0.0.1'];

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export async function startDevStack(opts: StartDevStackOptions): Promise<DevStack> {
  const log = opts.log ?? (() => undefined);
  const level = opts.logLevel ?? 'warn';
  const cleanups: Array<() => Promise<void>> = [];
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    })();
    return closed;
  };
  try {
    const data = await prepareDataDir(opts.dataDir);

    log(`starting anvil (chain id ${DEV_STACK_CHAIN_ID}) …`);
    // Automine while deploying (each transaction mined at once), then a block every second so
    // confirmations advance on their own.
    const anvil: AnvilChain = await startAnvil({ chainId: DEV_STACK_CHAIN_ID });
    cleanups.push(() => anvil.stop());
    const deployer = anvil.accounts[0]!.address;
    log("deploying Circle's USDC (FiatTokenV2_2) …");
    const usdc = await deployUsdc(anvil.rpcUrl, deployer);
    const accounts = DEMO_ACCOUNT_INDEXES.map((index) => ({ index, address: devKey(index).address }));
    const devPayAccount = { index: DEV_PAY_INDEX, address: devKey(DEV_PAY_INDEX).address };
    for (const a of [...accounts, devPayAccount]) await usdc.mint(a.address, USDC_PER_ACCOUNT);
    await anvil.rpc('evm_setIntervalMining', [BLOCK_TIME_SECONDS]);

    const url = `http://localhost:${opts.gatewayPort}`;
    const issuer = `${url}/_402`;
    const relayer = devKey(RELAYER_INDEX);
    log('starting the payment portal …');
    const dev = await devPortalConfig({
      rpcUrl: anvil.rpcUrl,
      usdcAddress: usdc.address,
      chainId: anvil.chainId,
      payFromAccount: devPayAccount.address,
      dataDir: data.pgliteDir,
      issuer,
      confirmations: 1,
      blockTimeSeconds: BLOCK_TIME_SECONDS,
      signingKeyPem: data.signingKeyPem,
      x402RelayerKey: relayer.privateKey,
      logLevel: level,
    });
    const portal: RunningPaymentPortal = await startPaymentPortal(dev.config, {
      logger: createLogger({ name: 'payment-portal', level }),
    });
    cleanups.push(() => portal.close());

    const demo: DemoUpstream = await startDemoUpstream();
    cleanups.push(() => demo.close());

    log('starting the authorizer …');
    const tokenEnv = 'DEV_AUTHZ_PORTAL_TOKEN';
    const { config } = await loadAuthzConfig({
      env: { [tokenEnv]: dev.internalToken },
      base: {
        listeners: { host: '127.0.0.1', httpPort: 0 },
        issuer,
        jwks: { url: `${portal.publicUrl}/_402/.well-known/jwks.json` },
        networks: devNetworks(usdc.address, 1, anvil.chainId),
        routes: [{ name: 'demo-quote', hosts: DEMO_HOSTS, paths: ['/api/quote'], request: QUOTE_REQUEST }],
        upstreams: Object.fromEntries(DEMO_HOSTS.map((h) => [h, demo.url])),
        portal: { internalUrl: portal.internalUrl, token: { fromEnv: tokenEnv } },
        logLevel: level,
      },
    });
    const authz: AuthzServiceHandle = await startAuthzService(config, {
      logger: createLogger({ name: 'authz-service', level }),
    });
    cleanups.push(() => authz.close());
    // Ready means its first block of challenge addresses has arrived: until then an API client's
    // 402 would wait on the portal (and get 503 past portal.timeoutMs on a loaded machine).
    await untilReady(`http://127.0.0.1:${authz.httpPort}/readyz`, AUTHZ_READY_TIMEOUT_MS, log);

    const app = express();
    app.disable('x-powered-by');
    app.use(
      turnpikeGateway({
        authzUrl: `http://127.0.0.1:${authz.httpPort}`,
        portalUrl: portal.publicUrl,
        upstream: demo.url,
      }),
    );
    const gateway = createServer(app);
    const port = await listen(gateway, opts.gatewayPort);
    cleanups.push(() => closeServer(gateway));

    return {
      url: `http://localhost:${port}`,
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      usdcAddress: usdc.address,
      accounts,
      devPayAccount,
      relayerAccount: { index: RELAYER_INDEX, address: relayer.address },
      dataDir: data.root,
      signingKeyFile: data.signingKeyFile,
      xpub: dev.xpub,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

const AUTHZ_READY_TIMEOUT_MS = 60_000;

/** Polls a /readyz until it answers 200; past the timeout it logs and goes on (the stack still works). */
async function untilReady(url: string, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log(`${url} not ready after ${timeoutMs / 1000} s; starting anyway`);
}
