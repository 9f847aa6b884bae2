import type { Logger } from '@turnpike/protocol/service';
import { createAddressPool, type AddressPool } from '../addresses/address-pool.js';
import { createEvmAddressDeriver } from '../addresses/derive-evm.js';
import type { PortalConfig } from '../config/schema.js';
import type { Database } from '../storage/index.js';
import type { Closer } from './closer.js';

/** The pay-page invoices' EVM address pool, filled before the portal listens (none without an xpub). */
export async function startAddressPool(
  config: PortalConfig,
  deps: { db: Database; logger: Logger; closer: Closer },
): Promise<AddressPool | undefined> {
  const evm = config.wallets.evm;
  if (!evm) return undefined;
  const pool = createAddressPool({
    db: deps.db,
    deriver: createEvmAddressDeriver(evm.xpub),
    lowWater: evm.poolLowWater,
    batch: evm.poolBatch,
    logger: deps.logger,
  });
  await pool.refill();
  pool.start();
  deps.closer.add(() => pool.stop());
  return pool;
}
