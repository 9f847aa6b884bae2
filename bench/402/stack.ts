/**
 * The processes bench/402 measures, each in its own Node process on the built dist/: PostgreSQL
 * (tests/support/postgres.ts), the real payment-portal, two authorizers with the portal behind
 * them, and the reference x402 server (Express 5 + @x402/express v2) with its stub facilitator.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DEV_RECEIVE_XPUB } from '../../deploy/dev/portal-config.js';
import { freePort } from '../../tests/support/ports.js';
import { startPostgres } from '../../tests/support/postgres.js';
import { createTestSigner } from '../../tests/support/tokens.js';
import { startChild, type BenchChild } from '../lib/child.js';
import { startStubFacilitator } from './stub-facilitator.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const HOST = 'bench.test';
const ISSUER = 'https://bench.test/_402';
/** The priced network, by its Turnpike name and its CAIP-2 id (what x402 v2 names it). */
const NETWORK = { name: 'base-sepolia', caip2: 'eip155:84532' } as const;
/** One cent of USDC, as the x402 server's `$0.01` route. */
const PRICE = {
  claims: { plan: 'premium' },
  exp: 3_600_000,
  payment: { requests: [{ network: NETWORK.name, amount: '0.01', asset: 'USDC' }] },
};

export type AuthzInfo = { httpPort: number; controlPort: number };
export interface AddressBuffer {
  addressBuffer: number;
  leaseSize: number;
}

export interface Bench402Stack {
  databaseUrl: string;
  portal: BenchChild<{ internalUrl: string }>;
  /** Authorizers, by name, each with its `challenges` buffer. */
  authz: Record<string, BenchChild<AuthzInfo>>;
  x402: BenchChild<{ port: number }>;
  /** Requests the stub facilitator received beyond `GET /supported`. */
  facilitatorOtherCalls(): number;
  close(): Promise<void>;
}

export async function startBench402Stack(opts: {
  authorizers: Record<string, { buffer: AddressBuffer; nodeArgs?: string[] }>;
}): Promise<Bench402Stack> {
  const cleanups: Array<() => Promise<void>> = [];
  const children: Array<BenchChild<unknown>> = [];
  const close = async () => {
    for (const child of children.reverse()) await child.stop();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const postgres = await startPostgres();
    cleanups.push(() => postgres.stop());
    const databaseUrl = await postgres.createDatabase('bench_402');
    const dir = await mkdtemp(path.join(tmpdir(), 'turnpike-bench-402-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const signer = await createTestSigner({ issuer: ISSUER });
    cleanups.push(async () => signer.cleanup());
    const internalToken = randomBytes(24).toString('base64url');
    const secret = async (name: string, value: string) => {
      await writeFile(path.join(dir, name), `${value}\n`, { mode: 0o600 });
      return { fromFile: path.join(dir, name) };
    };
    const portalConfig = {
      listeners: {
        public: { host: '127.0.0.1', port: 0 },
        internal: { host: '127.0.0.1', port: 0 },
        internalToken: await secret('internal-token', internalToken),
      },
      database: { url: await secret('database-url', databaseUrl) },
      issuer: ISSUER,
      tokens: {
        signingKeys: [
          { kid: signer.kid, privateKey: await secret('signing-key.pem', await signer.privateKeyPem()) },
        ],
      },
      // A watcher for the priced network, so the portal offers it; its RPC is a port nobody listens on.
      watchers: {
        [NETWORK.name]: { rpcUrls: [`http://127.0.0.1:${await freePort()}`], pollIntervalMs: 60_000 },
      },
      wallets: { evm: { xpub: DEV_RECEIVE_XPUB, poolLowWater: 20, poolBatch: 100 } },
      // x402 offered (by a relayer nobody funds), so every API 402 carries PAYMENT-REQUIRED as x402's does.
      proofs: {
        x402: {
          mode: 'relayer',
          relayerKey: await secret('relayer-key', `0x${randomBytes(32).toString('hex')}`),
        },
      },
      logLevel: 'silent',
    };
    await writeFile(path.join(dir, 'portal.yaml'), stringify(portalConfig));
    const portal = await startChild<{ internalUrl: string }>(path.join(HERE, 'serve-portal.mjs'), [], {
      BENCH_PORTAL_CONFIG: path.join(dir, 'portal.yaml'),
    });
    children.push(portal);

    const authz: Record<string, BenchChild<AuthzInfo>> = {};
    for (const [name, a] of Object.entries(opts.authorizers)) {
      authz[name] = await startChild<AuthzInfo>(
        path.join(HERE, 'serve-authz.mjs'),
        [],
        {
          BENCH_AUTHZ_INPUT: JSON.stringify({
            jwksFile: signer.jwksFile,
            issuer: ISSUER,
            host: HOST,
            price: PRICE,
            portalUrl: portal.info.internalUrl,
            ...a.buffer,
          }),
          BENCH_PORTAL_TOKEN: internalToken,
        },
        a.nodeArgs ?? [],
      );
      children.push(authz[name]);
    }

    const facilitator = await startStubFacilitator([NETWORK.caip2]);
    cleanups.push(() => facilitator.close());
    const x402 = await startChild<{ port: number }>(path.join(HERE, 'serve-express-x402.mjs'), [], {
      BENCH_FACILITATOR_URL: facilitator.url,
    });
    children.push(x402);
    return { databaseUrl, portal, authz, x402, facilitatorOtherCalls: () => facilitator.calls.other, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function control(authz: BenchChild<AuthzInfo>, method: 'GET' | 'POST', query: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${authz.info.controlPort}${query}`, {
    method,
    // A fill derives its addresses in the portal first (~0.2 ms each).
    signal: AbortSignal.timeout(600_000),
  });
  if (!res.ok) throw new Error(`authz control ${query}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { size: number }).size;
}

/** The leased addresses an authorizer holds ready (its control port, serve-authz.mjs). */
export const bufferSize = (authz: BenchChild<AuthzInfo>): Promise<number> => control(authz, 'GET', '/size');

/** Resolves once the authorizer holds `count` leased addresses (`challengeAddresses.fill`). */
export const fillBuffer = (authz: BenchChild<AuthzInfo>, count: number): Promise<number> =>
  control(authz, 'POST', `/fill?count=${count}`);
