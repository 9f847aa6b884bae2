/**
 * A real ledger for the database commands: a throwaway PostgreSQL cluster with the portal's
 * migrations, anvil with Circle's USDC, invoices made by the portal's own createInvoice, paid on
 * chain (1.5 USDC to one, 0.001 ETH to another, one left unpaid) and credited by the portal's real
 * EVM watcher; plus a portal config file naming that database, chain, xpub and watcher.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localAnvilOverrides } from '@turnpike/protocol';
import { openDatabase } from '@turnpike/payment-portal/storage';
import type { InvoiceRecord } from '@turnpike/payment-portal';
import { stringify } from 'yaml';
import {
  DEV_XPUB,
  mine,
  startChain,
  startCore,
  type ChainFixture,
  type PortalCore,
} from '../../../payment-portal/test/support/chain-fixture.js';
import { DEV_MNEMONIC, sendNative } from '../../../tests/support/anvil.js';
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.js';

export const USDC_PAID_ATOMIC = 1_500_000n;
export const ETH_PAID_WEI = 10n ** 15n;

export interface Ledger {
  pg: TestPostgres;
  databaseUrl: string;
  chain: ChainFixture;
  core: PortalCore;
  dir: string;
  /** A complete, valid portal config (secrets from files in `dir`). */
  portalConfigFile: string;
  /** The dev mnemonic (the xpub's seed) in a file. */
  mnemonicFile: string;
  internalToken: string;
  usdcInvoice: InvoiceRecord;
  ethInvoice: InvoiceRecord;
  unpaidInvoice: InvoiceRecord;
  close(): Promise<void>;
}

export async function startLedger(): Promise<Ledger> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const pg = await startPostgres();
    cleanups.push(() => pg.stop());
    const databaseUrl = await pg.createDatabase();
    const chain = await startChain({ confirmations: 2 });
    cleanups.push(() => chain.close());
    const db = await openDatabase({ url: databaseUrl });
    cleanups.push(() => db.close());
    const core = await startCore(chain, { db });
    cleanups.push(() => core.close());

    const watcher = core.watcher();
    await watcher.pass(); // the cursor starts at the head
    const usdcInvoice = await core.createInvoice([{ symbol: 'USDC', amount: '1.5' }]);
    const ethInvoice = await core.createInvoice([{ amount: '0.001' }]);
    const unpaidInvoice = await core.createInvoice([{ symbol: 'USDC', amount: '2' }]);
    await chain.usdc.transfer(chain.payer, usdcInvoice.offers[0]!.payTo, USDC_PAID_ATOMIC);
    await sendNative(chain.anvil.rpcUrl, chain.payer, ethInvoice.offers[0]!.payTo, ETH_PAID_WEI);
    await mine(chain, 3);
    await watcher.pass();

    const dir = await mkdtemp(join(tmpdir(), 'turnpike-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const internalToken = randomBytes(24).toString('base64url');
    await writeFile(join(dir, 'internal-token'), internalToken);
    await writeFile(join(dir, 'database-url'), databaseUrl);
    await writeFile(
      join(dir, 'signing-key.pem'),
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
    );
    const mnemonicFile = join(dir, 'mnemonic.txt');
    await writeFile(mnemonicFile, `${DEV_MNEMONIC}\n`, { mode: 0o600 });
    const portalConfigFile = join(dir, 'portal.yaml');
    await writeFile(
      portalConfigFile,
      stringify({
        listeners: { internalToken: { fromFile: 'internal-token' } },
        database: { url: { fromFile: 'database-url' } },
        issuer: 'https://shop.test/_402',
        tokens: { signingKeys: [{ kid: 'k1', privateKey: { fromFile: 'signing-key.pem' } }] },
        networks: localAnvilOverrides({ usdcAddress: chain.usdc.address, confirmations: 2 }),
        watchers: { anvil: { rpcUrls: [chain.anvil.rpcUrl], rpcTimeoutMs: 3_000 } },
        wallets: { evm: { xpub: DEV_XPUB } },
      }),
    );
    return {
      pg,
      databaseUrl,
      chain,
      core,
      dir,
      portalConfigFile,
      mnemonicFile,
      internalToken,
      usdcInvoice,
      ethInvoice,
      unpaidInvoice,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
