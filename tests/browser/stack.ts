/**
 * The stack the browser suite drives, every part real: anvil (one block a second once the
 * contracts are deployed) with Circle's USDC; the payment-portal (PGlite in memory, a watcher on
 * the chain, the dev-pay control paying from an unlocked anvil account); the authz-service; an
 * app whose /premium page declares "1 USDC or 0.001 ETH" with `x-402-request`; and NGINX running
 * the shipped integrations/nginx config in front of them.
 */
import { createServer, type Server } from 'node:http';
import type { JsonRpcProvider } from 'ethers';
import { loadAuthzConfig, startAuthzService, type AuthzServiceHandle } from '@turnpike/authz-service';
import { startPaymentPortal, type RunningPaymentPortal } from '@turnpike/payment-portal';
import { createLogger } from '@turnpike/protocol/service';
import { devNetworks, devPortalConfig } from '../../deploy/dev/portal-config.js';
import {
  deployUsdc,
  devProvider,
  startAnvil,
  type AnvilChain,
  type DeployedToken,
} from '../support/anvil.js';
import { startGateway, type RunningGateway } from '../support/gateways.js';
import { closeServer, listenLocal } from '../support/http.js';
import { encodeRequest, type PaymentRequestWireJson } from '../support/upstream.js';

/** The network devNetworks() names. */
export const NETWORK = 'anvil';
export const ISSUER = 'http://127.0.0.1/_402';
/** Words only the paid page carries, so the test can tell it from any other page. */
export const PREMIUM_MARKER = 'The premium article, unlocked';
/**
 * Blocks on top of the paying one. Two, so that the page stays in "confirming" for at least one
 * whole block (1 s) however late the watcher polls, and shows progress (1 of 2).
 */
export const CONFIRMATIONS = 2;
export const USDC_PRICE_ATOMIC = 1_000_000n;
export const ETH_PRICE_WEI = 1_000_000_000_000_000n;
export const PRICE: PaymentRequestWireJson = {
  claims: { plan: 'premium' },
  exp: 3_600_000,
  payment: {
    requests: [
      { network: NETWORK, amount: '1', asset: 'USDC' },
      { network: NETWORK, amount: '0.001' },
    ],
  },
};

export interface BrowserStack {
  anvil: AnvilChain;
  provider: JsonRpcProvider;
  usdc: DeployedToken;
  portal: RunningPaymentPortal;
  authz: AuthzServiceHandle;
  gateway: RunningGateway;
  /** `http://127.0.0.1:<nginx port>` */
  baseUrl: string;
  /** The unlocked anvil account the dev-pay button pays from. */
  payer: string;
  close(): Promise<void>;
}

/** The protected app: /premium declares its price in headers and serves a recognisable page. */
async function startPremiumApp(): Promise<{ address: string; close(): Promise<void> }> {
  const declared = encodeRequest(PRICE);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/premium' || path.startsWith('/premium/')) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'x-402-required': 'true',
        'x-402-request': declared,
      });
      res.end(
        req.method === 'HEAD'
          ? undefined
          : `<!doctype html><html lang="en"><head><title>Premium</title></head>` +
              `<body><h1>${PREMIUM_MARKER}</h1><p id="payer">${req.headers['x-402-payer'] ?? ''}</p></body></html>`,
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : 'free\n');
  });
  const port = await listenLocal(server);
  return { address: `127.0.0.1:${port}`, close: () => closeServer(server) };
}

export async function startBrowserStack(): Promise<BrowserStack> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    // Automine while deploying (each deploy step at once), then one block a second: a payment
    // reaches 1 confirmation only when a later block is mined.
    const anvil = await startAnvil();
    cleanups.push(() => anvil.stop());
    const provider = devProvider(anvil.rpcUrl);
    cleanups.push(async () => provider.destroy());
    const deployer = anvil.accounts[0]!.address;
    const payer = anvil.accounts[1]!.address;
    const usdc = await deployUsdc(anvil.rpcUrl, deployer);
    await usdc.mint(payer, 1_000n * USDC_PRICE_ATOMIC);
    await anvil.rpc('evm_setIntervalMining', [1]);

    const app = await startPremiumApp();
    cleanups.push(() => app.close());

    const dev = await devPortalConfig({
      rpcUrl: anvil.rpcUrl,
      usdcAddress: usdc.address,
      payFromAccount: payer,
      issuer: ISSUER,
      confirmations: CONFIRMATIONS,
      pollIntervalMs: 250,
    });
    const portal = await startPaymentPortal(dev.config, {
      logger: createLogger({ name: 'portal-browser', level: 'silent' }),
    });
    cleanups.push(() => portal.close());

    const { config } = await loadAuthzConfig({
      env: { BROWSER_PORTAL_TOKEN: dev.internalToken },
      base: {
        listeners: { host: '127.0.0.1', httpPort: 0 },
        issuer: ISSUER,
        jwks: { url: `${portal.publicUrl}/_402/.well-known/jwks.json` },
        networks: devNetworks(usdc.address, CONFIRMATIONS),
        upstreams: { '127.0.0.1': `http://${app.address}` },
        portal: { internalUrl: portal.internalUrl, token: { fromEnv: 'BROWSER_PORTAL_TOKEN' } },
        logLevel: 'silent',
      },
    });
    const authz = await startAuthzService(config, {
      logger: createLogger({ name: 'authz-browser', level: 'silent' }),
    });
    cleanups.push(() => authz.close());

    const gateway = await startGateway('nginx', {
      authz: `127.0.0.1:${authz.httpPort}`,
      portal: new URL(portal.publicUrl).host,
      upstream: app.address,
    });
    cleanups.push(() => gateway.stop());

    return {
      anvil,
      provider,
      usdc,
      portal,
      authz,
      gateway,
      baseUrl: `http://127.0.0.1:${gateway.port}`,
      payer,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
