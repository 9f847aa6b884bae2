/**
 * A payment-portal configuration for the local dev stack (`npm start`) and e2e tests: the anvil
 * chain as network `anvil` with Circle's USDC, a watcher polling it, receive addresses from the dev
 * mnemonic's account 1' (account 0' holds anvil's funded accounts), the dev-pay control, and a
 * fresh ES256 key and internal token (returned, so the authorizer can be given the same).
 * Import it from `deploy/dev/portal-config.js` (not in the index, which stays free of the portal).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NETWORKS, localAnvilNetwork } from '@turnpike/protocol';
import { HDNodeWallet } from 'ethers';
import { stringify } from 'yaml';
import { loadPortalConfig, type PortalConfig } from '@turnpike/payment-portal';
import { DEV_CHAIN_ID, DEV_MNEMONIC } from './anvil.js';

export interface DevPortalConfigOptions {
  rpcUrl: string;
  usdcAddress: string;
  /** The anvil chain's id (default 31337); also the portal's dev.chainId. */
  chainId?: number;
  /** Unlocked anvil account the pay page's "pay with dev account" sends from. */
  payFromAccount?: string;
  /** PGlite data directory; in memory when omitted. */
  dataDir?: string;
  publicPort?: number;
  internalPort?: number;
  issuer?: string;
  /**
   * Blocks on top before a payment counts (default 1: the next block). With automine, anvil mines
   * only when a transaction arrives, so use `startAnvil({ blockTimeSeconds: 1 })` or 0 here.
   */
  confirmations?: number;
  pollIntervalMs?: number;
  /** PKCS#8 PEM of the token signing key; a fresh key when omitted. */
  signingKeyPem?: string;
  /**
   * Hex private key of the x402 relayer (settles EIP-3009 authorizations). Dev chains only: pass an
   * anvil dev key. Omitted = x402 proofs are not offered.
   */
  x402RelayerKey?: string;
  /** The chain's block time, for the Retry-After of a tx proof still confirming (default 1). */
  blockTimeSeconds?: number;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export interface DevPortalConfig {
  config: PortalConfig;
  internalToken: string;
  /** PKCS#8 PEM of the token signing key (kid `dev`). */
  signingKeyPem: string;
  /** The receive addresses' xpub (m/44'/60'/1' of the dev mnemonic). */
  xpub: string;
}

/**
 * The anvil network as both services' `networks` config spell it. On a built-in network's chain id
 * (`npm start`: 84532, Base Sepolia's) that built-in is removed (`null`), so `anvil` alone holds the
 * chain id and takes its x402 v1 name.
 */
export function devNetworks(
  usdcAddress: string,
  confirmations = 1,
  chainId = DEV_CHAIN_ID,
): Record<string, unknown> {
  const displaced = Object.values(DEFAULT_NETWORKS).filter((n) => n.kind === 'evm' && n.chainId === chainId);
  return {
    ...Object.fromEntries(displaced.map((n) => [n.name, null])),
    anvil: localAnvilNetwork({ usdcAddress, confirmations, chainId }),
  };
}

export const DEV_RECEIVE_XPUB = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/1'").neuter()
  .extendedKey;

export async function devPortalConfig(opts: DevPortalConfigOptions): Promise<DevPortalConfig> {
  const internalToken = randomBytes(24).toString('base64url');
  const signingKeyPem =
    opts.signingKeyPem ??
    generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
  const file = {
    listeners: {
      public: { host: '127.0.0.1', port: opts.publicPort ?? 0 },
      internal: { host: '127.0.0.1', port: opts.internalPort ?? 0 },
      internalToken: { fromEnv: 'DEV_PORTAL_INTERNAL_TOKEN' },
    },
    database: opts.dataDir ? { dataDir: opts.dataDir } : { memory: true },
    issuer: opts.issuer ?? 'http://localhost:8080/_402',
    tokens: { signingKeys: [{ kid: 'dev', privateKey: { fromEnv: 'DEV_PORTAL_SIGNING_KEY' } }] },
    networks: devNetworks(opts.usdcAddress, opts.confirmations ?? 1, opts.chainId),
    watchers: {
      anvil: { rpcUrls: [opts.rpcUrl], pollIntervalMs: opts.pollIntervalMs ?? 250, rpcTimeoutMs: 3_000 },
    },
    wallets: { evm: { xpub: DEV_RECEIVE_XPUB, poolLowWater: 10, poolBatch: 50 } },
    proofs: {
      tx: { networks: { anvil: { blockTimeSeconds: opts.blockTimeSeconds ?? 1 } } },
      // Absent: x402 proofs are refused (proof_unsupported).
      ...(opts.x402RelayerKey === undefined
        ? {}
        : { x402: { mode: 'relayer', relayerKey: { fromEnv: 'DEV_PORTAL_RELAYER_KEY' } } }),
    },
    dev: {
      chainId: opts.chainId ?? DEV_CHAIN_ID,
      ...(opts.payFromAccount ? { payFromAccount: opts.payFromAccount } : {}),
    },
    logLevel: opts.logLevel ?? 'warn',
  };
  const dir = await mkdtemp(join(tmpdir(), 'turnpike-dev-portal-'));
  try {
    await writeFile(join(dir, 'portal.yaml'), stringify(file));
    const config = await loadPortalConfig({
      file: join(dir, 'portal.yaml'),
      env: {
        DEV_PORTAL_INTERNAL_TOKEN: internalToken,
        DEV_PORTAL_SIGNING_KEY: signingKeyPem,
        ...(opts.x402RelayerKey === undefined ? {} : { DEV_PORTAL_RELAYER_KEY: opts.x402RelayerKey }),
      },
    });
    return { config, internalToken, signingKeyPem, xpub: DEV_RECEIVE_XPUB };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
