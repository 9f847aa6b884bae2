/**
 * A running portal on a real anvil chain with Circle's USDC: config written as a YAML file and
 * loaded by loadPortalConfig (secrets from files), PGlite in memory or a PostgreSQL URL.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deriveSealKeys,
  localAnvilNetwork,
  paymentRequestFromJson,
  sealPayLink,
  toWire,
  type PaymentRequestWire,
} from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import { stringify } from 'yaml';
import { startPaymentPortal, type RunningPaymentPortal } from '../../src/app.js';
import { loadPortalConfig } from '../../src/config/load-portal-config.js';
import { DEV_XPUB, quietLogger, type ChainFixture } from './chain-fixture.js';

/** The name of the Solana network `startPortal({ solana })` adds. */
export const SOLANA_NETWORK = 'solana-local';

export interface PortalFixture {
  portal: RunningPaymentPortal;
  internalToken: string;
  /** The admin API's bearer secret (`admin.token`); the admin listener runs only with `opts.admin`. */
  adminToken: string;
  dir: string;
  /** GET/POST/PATCH on the admin API (`<adminUrl>/admin/api<path>`) with the admin bearer secret. */
  admin(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<Response>;
  /** POST to the internal API with the bearer token. */
  internal(path: string, body: unknown, token?: string): Promise<Response>;
  /** A wire payment request for `/premium`: 1 USDC or 0.001 ETH on anvil (or the given JSON). */
  wire(json?: unknown): PaymentRequestWire;
  /**
   * The `ref` of a pay link as the authorizer's browser 402 seals it (with the key both services
   * derive from the internal token), for `GET <prefix>/pay?ref=…`.
   */
  payLink(
    target: {
      host: string;
      scheme: 'http' | 'https';
      resource: string;
      originalUri: string;
      request: PaymentRequestWire;
    },
    ttlMs?: number,
  ): string;
  close(): Promise<void>;
}

export async function startPortal(
  chain: ChainFixture,
  opts: {
    databaseUrl?: string;
    confirmations?: number;
    rateLimit?: number;
    extra?: Record<string, unknown>;
    /** Adds the Solana network SOLANA_NETWORK (e.g. on a LiteSVM RPC front), its watcher and the owner's wallet. */
    solana?: { rpcUrl: string; caip2: string; usdcMint: string; wallet: string };
    /** Runs after the config directory is written, before the config is loaded (extra secret files). */
    beforeStart?: (dir: string) => Promise<void>;
    /** The portal's logger (default: silent). */
    logger?: Logger;
    /** Serve the admin listener (admin API, dashboard) on a free port. */
    admin?: boolean;
  } = {},
): Promise<PortalFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'portal-test-'));
  const internalToken = randomBytes(24).toString('base64url');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const adminToken = randomBytes(24).toString('base64url');
  await writeFile(join(dir, 'internal-token'), `${internalToken}\n`);
  await writeFile(join(dir, 'admin-token'), `${adminToken}\n`);
  await writeFile(join(dir, 'signing-key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
  if (opts.databaseUrl) await writeFile(join(dir, 'database-url'), opts.databaseUrl);
  const config = {
    listeners: {
      public: { host: '127.0.0.1', port: 0 },
      internal: { host: '127.0.0.1', port: 0 },
      internalToken: { fromFile: 'internal-token' },
    },
    ...(opts.admin
      ? { admin: { listen: { host: '127.0.0.1', port: 0 }, token: { fromFile: 'admin-token' } } }
      : {}),
    database: opts.databaseUrl ? { url: { fromFile: 'database-url' } } : { memory: true },
    issuer: 'https://portal.test',
    tokens: { signingKeys: [{ kid: 'k1', privateKey: { fromFile: 'signing-key.pem' } }] },
    invoice: { rateLimitPerMinutePerIp: opts.rateLimit ?? 1_000 },
    networks: {
      anvil: localAnvilNetwork({ usdcAddress: chain.usdc.address, confirmations: opts.confirmations ?? 1 }),
      ...(opts.solana
        ? {
            [SOLANA_NETWORK]: {
              kind: 'solana',
              caip2: opts.solana.caip2,
              commitment: 'confirmed',
              testnet: true,
              tokens: { USDC: { kind: 'spl', symbol: 'USDC', decimals: 6, mint: opts.solana.usdcMint } },
            },
          }
        : {}),
    },
    watchers: {
      anvil: { rpcUrls: [chain.anvil.rpcUrl], pollIntervalMs: 50 },
      ...(opts.solana ? { [SOLANA_NETWORK]: { rpcUrls: [opts.solana.rpcUrl], pollIntervalMs: 50 } } : {}),
    },
    wallets: {
      evm: { xpub: DEV_XPUB, poolLowWater: 5, poolBatch: 20 },
      ...(opts.solana ? { solana: { address: opts.solana.wallet } } : {}),
    },
    dev: { payFromAccount: chain.payer },
    logLevel: 'silent',
    ...opts.extra,
  };
  await writeFile(join(dir, 'portal.yaml'), stringify(config));
  let portal: RunningPaymentPortal;
  try {
    await opts.beforeStart?.(dir);
    const loaded = await loadPortalConfig({ file: join(dir, 'portal.yaml'), env: {} });
    portal = await startPaymentPortal(loaded, { logger: opts.logger ?? quietLogger });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    portal,
    internalToken,
    adminToken,
    dir,
    admin: (path, init = {}) =>
      fetch(`${portal.adminUrl ?? 'http://admin-listener-not-started.invalid'}/admin/api${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${init.token ?? adminToken}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      }),
    payLink: (t, ttlMs = 60_000) =>
      sealPayLink(deriveSealKeys(internalToken).payLink, { ...t, expiresAt: Date.now() + ttlMs }),
    internal: (path, body, token = internalToken) =>
      fetch(`${portal.internalUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }),
    wire: (json) =>
      toWire(
        paymentRequestFromJson(
          json ?? {
            claims: { tier: 'gold' },
            exp: 3_600_000,
            payment: {
              requests: [
                { network: 'anvil', amount: '1', asset: 'USDC' },
                { network: 'anvil', amount: '0.001' },
              ],
            },
          },
          portal.context.registry,
        ),
      ),
    async close() {
      await portal.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls the invoice's JSON state until `predicate` holds (the watcher polls every 50 ms). */
export async function waitForInvoice(
  publicUrl: string,
  id: string,
  predicate: (view: { invoice: { status: string; lateCredited?: boolean } }) => boolean,
  timeoutMs = 20_000,
): Promise<{
  invoice: { status: string; lateCredited?: boolean };
  offers: Array<{ payTo: string; received: string; remaining: string; asset: { symbol: string } }>;
}> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = (await (
      await fetch(`${publicUrl}/_402/invoices/${id}`, { headers: { accept: 'application/json' } })
    ).json()) as never;
    if (predicate(view)) return view;
    if (Date.now() > deadline)
      throw new Error(`invoice ${id} did not reach the expected state: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
