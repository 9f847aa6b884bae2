/**
 * The real payment-portal for the gateway suites: PGlite in memory, the test signer's key as its
 * token key (so tokens from either verify against the same JWKS), the public dev xpub for unique
 * receive addresses, and a watcher for the priced network pointed at an RPC URL where nothing
 * listens (these suites never pay; the portal only needs the network to be watched to offer it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadPortalConfig, startPaymentPortal, type RunningPaymentPortal } from '@turnpike/payment-portal';
import { createLogger } from '@turnpike/protocol/service';
import { freePort } from '../support/ports.js';
import type { TestSigner } from '../support/tokens.js';

/** xpub of the public dev mnemonic "test test … junk" (m/44'/60'/0'), as in payment-portal/config.example.yaml. */
const DEV_XPUB =
  'xpub6Ce9NcJvTk36xtLSrJLZqE7wtgA5deCeYs7rSQtreh4cj6ByPtrg9sD7V2FNFLPnf8heNP3FGkeV9qwfzvZNSd54JoNXVsXFYSYwHsnJxqP';

export interface RealPortal {
  /** host:port of the public listener (what the gateway routes /_402/ to). */
  publicAddress: string;
  internalUrl: string;
  internalToken: string;
  portal: RunningPaymentPortal;
  close(): Promise<void>;
}

export async function startRealPortal(
  signer: TestSigner,
  opts: {
    network: string;
    /** The portal's per-address invoice limit; high by default so suites never meet it. */
    rateLimitPerMinutePerIp?: number;
    /** The portal's per-client limit on payment proof attempts; high by default. */
    proofAttemptsPerMinute?: number;
  },
): Promise<RealPortal> {
  const dir = await mkdtemp(path.join(tmpdir(), 'turnpike-portal-'));
  const internalToken = randomBytes(24).toString('base64url');
  await writeFile(path.join(dir, 'internal-token'), `${internalToken}\n`);
  await writeFile(path.join(dir, 'signing-key.pem'), await signer.privateKeyPem());
  // x402 offered (settled by a relayer nobody funds: these suites never settle one), so the 402s
  // carry PAYMENT-REQUIRED through every gateway.
  await writeFile(path.join(dir, 'relayer-key'), `0x${randomBytes(32).toString('hex')}\n`);
  const deadRpc = `http://127.0.0.1:${await freePort()}`;
  const config = {
    listeners: {
      public: { host: '127.0.0.1', port: 0 },
      internal: { host: '127.0.0.1', port: 0 },
      internalToken: { fromFile: path.join(dir, 'internal-token') },
    },
    database: { memory: true },
    issuer: signer.issuer,
    tokens: {
      signingKeys: [{ kid: signer.kid, privateKey: { fromFile: path.join(dir, 'signing-key.pem') } }],
    },
    invoice: { rateLimitPerMinutePerIp: opts.rateLimitPerMinutePerIp ?? 10_000 },
    watchers: { [opts.network]: { rpcUrls: [deadRpc], pollIntervalMs: 60_000 } },
    wallets: { evm: { xpub: DEV_XPUB, poolLowWater: 20, poolBatch: 100 } },
    proofs: {
      attemptsPerMinutePerClient: opts.proofAttemptsPerMinute ?? 10_000,
      x402: { mode: 'relayer', relayerKey: { fromFile: path.join(dir, 'relayer-key') } },
    },
    logLevel: 'silent',
  };
  await writeFile(path.join(dir, 'portal.yaml'), stringify(config));
  try {
    const loaded = await loadPortalConfig({ file: path.join(dir, 'portal.yaml'), env: {} });
    const portal = await startPaymentPortal(loaded, {
      logger: createLogger({ name: 'portal-test', level: 'silent' }),
    });
    return {
      publicAddress: new URL(portal.publicUrl).host,
      internalUrl: portal.internalUrl,
      internalToken,
      portal,
      async close() {
        await portal.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
