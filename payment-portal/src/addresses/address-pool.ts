import type { Logger } from '@turnpike/protocol/service';
import {
  allocateReceiveAddress,
  insertReceiveAddresses,
  receiveAddressPoolState,
  reserveReceiveAddressIndexes,
  type Database,
  type Queryable,
} from '../storage/index.js';
import type { EvmAddressDeriver } from './derive-evm.js';

export interface AddressPoolOptions {
  db: Database;
  deriver: EvmAddressDeriver;
  /** Refill when fewer free addresses than this remain. */
  lowWater: number;
  /** How many to derive per refill. */
  batch: number;
  logger?: Logger | undefined;
}

export interface AddressPool {
  readonly walletId: string;
  /**
   * Takes a free address for `invoiceId` in one SQL statement (usable inside a transaction).
   * Throws AddressPoolExhaustedError when none is free: call refill() outside the transaction and retry.
   */
  allocate(q: Queryable, invoiceId: string): Promise<string>;
  /** Schedules a background refill; call it after the allocating transaction has ended. */
  nudge(): void;
  /** Tops the pool up to at least lowWater + batch free addresses. */
  refill(): Promise<number>;
  /** Starts background refills (after allocations and on a timer). */
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

export class AddressPoolExhaustedError extends Error {
  readonly code = 'address_pool_exhausted' as const;
  constructor() {
    super('the receive address pool is empty');
    this.name = 'AddressPoolExhaustedError';
  }
}

/**
 * Pre-derived EVM receive addresses. Derivation costs about 1 ms per address in ethers, so it
 * happens in the background in batches; handing one out is a single UPDATE … SKIP LOCKED. Each
 * batch's index range is reserved from address_index_cursors (branch 0), which only moves forward:
 * several replicas refilling at once get disjoint ranges, and an index is never derived twice.
 */
export function createAddressPool(opts: AddressPoolOptions): AddressPool {
  let refilling: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sinceCheck = 0;

  async function refillOnce(): Promise<number> {
    let added = 0;
    for (;;) {
      const state = await receiveAddressPoolState(opts.db, opts.deriver.walletId);
      if (state.free >= opts.lowWater && added > 0) return added;
      if (state.free >= opts.lowWater + opts.batch) return added;
      // The range is reserved first (never derived from the stored rows), so an index is never
      // handed out twice, even after retention deleted the rows at the top.
      const first = await reserveReceiveAddressIndexes(opts.db, opts.deriver.walletId, opts.batch);
      const rows = [];
      for (let i = 0; i < opts.batch; i++) {
        const index = first + i;
        rows.push({ derivationIndex: index, address: opts.deriver.derive(index) });
        // Yield now and then: deriving a batch takes ~1 ms per address.
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      added += await insertReceiveAddresses(opts.db, opts.deriver.walletId, 'evm', rows);
      opts.logger?.debug(
        { walletId: opts.deriver.walletId, added, nextIndex: first + opts.batch },
        'address pool refilled',
      );
    }
  }

  function refill(): Promise<number> {
    refilling ??= refillOnce().finally(() => {
      refilling = undefined;
    });
    return refilling;
  }

  function refillInBackground(): void {
    refill().catch((err: unknown) => opts.logger?.error({ err }, 'address pool refill failed'));
  }

  return {
    walletId: opts.deriver.walletId,
    async allocate(q, invoiceId) {
      const address = await allocateReceiveAddress(q, opts.deriver.walletId, invoiceId);
      if (address === null) throw new AddressPoolExhaustedError();
      sinceCheck++;
      return address;
    },
    nudge() {
      // Checking the pool's level costs a query, so only every few allocations.
      if (sinceCheck >= Math.max(1, Math.floor(opts.lowWater / 4))) {
        sinceCheck = 0;
        refillInBackground();
      }
    },
    refill,
    start(intervalMs = 10_000) {
      timer ??= setInterval(refillInBackground, intervalMs);
      timer.unref();
      refillInBackground();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await refilling?.catch(() => undefined);
    },
  };
}
