/**
 * A real local chain for portal tests: anvil, Circle's USDC and a look-alike token, a migrated
 * database, the receive address pool from the dev mnemonic's xpub, and helpers to create invoices
 * and drive the EVM watcher.
 */
import { HDNodeWallet } from 'ethers';
import {
  createNetworkRegistry,
  localAnvilNetwork,
  type EvmNetwork,
  type NetworkRegistry,
  type PaymentRequest,
} from '@turnpike/protocol';
import { createLogger } from '@turnpike/protocol/service';
import { createAddressPool, type AddressPool } from '../../src/addresses/address-pool.js';
import { createEvmAddressDeriver } from '../../src/addresses/derive-evm.js';
import { createInvoice } from '../../src/invoices/create-invoice.js';
import { getInvoice } from '../../src/invoices/get-invoice.js';
import type { InvoiceRecord } from '../../src/invoices/types.js';
import { migrate, openDatabase, type Database } from '../../src/storage/index.js';
import { createEvmWatcher, type EvmWatcher } from '../../src/watchers/evm/evm-watcher.js';
import { createRpcClient } from '../../src/watchers/evm/rpc-client.js';
import {
  DEV_MNEMONIC,
  deployFakeToken,
  deployUsdc,
  startAnvil,
  type AnvilChain,
  type DeployedToken,
} from '../../../tests/support/anvil.js';

/** The dev mnemonic's second account node m/44'/60'/1' as a watch-only xpub (account 0' holds anvil's funded accounts). */
export const DEV_XPUB = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/1'").neuter().extendedKey;

export interface ChainFixture {
  anvil: AnvilChain;
  usdc: DeployedToken;
  fake: DeployedToken;
  registry: NetworkRegistry;
  network: EvmNetwork;
  payer: string;
  close(): Promise<void>;
}

export async function startChain(
  opts: { confirmations?: number; blockTimeSeconds?: number } = {},
): Promise<ChainFixture> {
  const anvil = await startAnvil(
    opts.blockTimeSeconds === undefined ? {} : { blockTimeSeconds: opts.blockTimeSeconds },
  );
  try {
    const deployer = anvil.accounts[0]!.address;
    const payer = anvil.accounts[1]!.address;
    const usdc = await deployUsdc(anvil.rpcUrl, deployer);
    const fake = await deployFakeToken(anvil.rpcUrl, deployer);
    await usdc.mint(payer, 1_000_000_000n);
    await fake.mint(payer, 1_000_000_000n);
    const registry = createNetworkRegistry({
      anvil: localAnvilNetwork({ usdcAddress: usdc.address, confirmations: opts.confirmations ?? 2 }),
    });
    const network = registry.require('anvil') as EvmNetwork;
    return { anvil, usdc, fake, registry, network, payer, close: () => anvil.stop() };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

export interface PortalCore {
  db: Database;
  pool: AddressPool;
  createInvoice(
    offers: Array<{ symbol?: string; amount: string }>,
    opts?: { clientIp?: string | null; expiryMinutes?: number },
  ): Promise<InvoiceRecord>;
  invoice(id: string): Promise<InvoiceRecord>;
  watcher(opts?: {
    rpcUrls?: string[];
    owner?: string;
    rpcTimeoutMs?: number;
    confirmations?: number;
    db?: Database;
    topicOrListMax?: number;
  }): EvmWatcher;
  close(): Promise<void>;
}

export const quietLogger = createLogger({ name: 'test', level: 'silent' });

export async function startCore(chain: ChainFixture, opts: { db?: Database } = {}): Promise<PortalCore> {
  const db = opts.db ?? (await openDatabase({ memory: true }));
  await migrate(db);
  const pool = createAddressPool({ db, deriver: createEvmAddressDeriver(DEV_XPUB), lowWater: 5, batch: 20 });
  await pool.refill();
  const watchers: EvmWatcher[] = [];
  return {
    db,
    pool,
    async createInvoice(offers, o = {}) {
      const request: PaymentRequest = {
        claims: {},
        tokenLifetimeMs: 3_600_000,
        offers: offers.map((offer) => {
          const asset = chain.registry.asset('anvil', offer.symbol);
          const [whole, frac = ''] = offer.amount.split('.');
          const atomic =
            BigInt(whole ?? '0') * 10n ** BigInt(asset.decimals) +
            BigInt((frac + '0'.repeat(asset.decimals)).slice(0, asset.decimals) || '0');
          return { network: 'anvil', asset, amount: offer.amount, atomic };
        }),
        customization: {},
      };
      return createInvoice(
        {
          db,
          registry: chain.registry,
          evmPool: pool,
          watchedNetworks: new Set(['anvil']),
          expiryMinutes: o.expiryMinutes ?? 30,
          rateLimitPerMinutePerIp: 1_000,
        },
        {
          target: { host: 'shop.test', scheme: 'https', resource: '/premium', originalUri: '/premium' },
          request,
          clientIp: o.clientIp ?? null,
          source: 'pay_page',
        },
      );
    },
    async invoice(id) {
      const inv = await getInvoice(db, id);
      if (!inv) throw new Error(`no invoice ${id}`);
      return inv;
    },
    watcher(w = {}) {
      const watcher = createEvmWatcher({
        db: w.db ?? db,
        network: chain.network,
        rpc: createRpcClient({ urls: w.rpcUrls ?? [chain.anvil.rpcUrl], timeoutMs: w.rpcTimeoutMs ?? 2_000 }),
        confirmations: w.confirmations ?? chain.network.confirmations,
        pollIntervalMs: 50,
        maxBlockRange: 500,
        topicOrListMax: w.topicOrListMax ?? 1_000,
        lateGraceMs: 86_400_000,
        owner: w.owner ?? 'test-replica',
        logger: quietLogger,
      });
      watchers.push(watcher);
      return watcher;
    },
    async close() {
      for (const w of watchers) await w.stop();
      await pool.stop();
      if (!opts.db) await db.close();
    },
  };
}

/** Mines `n` empty blocks. */
export async function mine(chain: ChainFixture, n: number): Promise<void> {
  await chain.anvil.rpc('anvil_mine', [`0x${n.toString(16)}`]);
}
