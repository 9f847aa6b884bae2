import type { Logger } from '@turnpike/protocol/service';
import { PortalError, type PortalClient } from '../portal/client.js';

/** One never-used challenge receive address: `<xpub>/1/…` index `index` of wallet `walletId`. */
export interface ChallengeAddress {
  walletId: string;
  index: number;
  /** EIP-55 (mixed-case checksum), as the portal leased it. */
  address: string;
}

/**
 * Challenge receive addresses kept ready in memory, so an API 402 takes one without I/O. The portal
 * derives them and hands them out in leases of consecutive indexes (one database write per lease,
 * never an index twice); this refills in the background whenever fewer than half the buffer
 * remain. When a burst empties it, `next()` waits for the lease already on its way (the 402 slows
 * to the portal's derivation rate instead of failing); a portal that cannot lease makes it reject.
 */
export interface AddressSource {
  /** An address now, or undefined when the buffer is empty. */
  take(): ChallengeAddress | undefined;
  /** An address, waiting for a lease when the buffer is empty. */
  next(): Promise<ChallengeAddress>;
  /** How many are ready. */
  size(): number;
  /** Resolves once the buffer holds `count` addresses (start-up warm-up, benches). */
  fill(count: number): Promise<void>;
}

/** `0x` + 40 hex digits: every leased address, so a lease is stored as one string. */
const ADDRESS_CHARS = 42;

/**
 * A lease as the buffer keeps it: its addresses concatenated into one string rather than thousands
 * of strings, so a large buffer adds nothing for the garbage collector to trace (a 150k-address
 * buffer of separate objects cost ~20 µs per request in collection work; bench/402).
 */
interface StoredLease {
  walletId: string;
  first: number;
  count: number;
  addresses: string;
  /** The next address of this lease to hand out. */
  taken: number;
}

export function createAddressSource(opts: {
  portal: Pick<PortalClient, 'leaseAddresses'>;
  bufferSize: number;
  leaseSize: number;
  /**
   * How long a request waits for an address when the buffer is empty. The lease itself may take
   * longer (deriving a block of addresses is slow on a loaded portal) and goes on in the background.
   */
  waitMs?: number;
  logger?: Logger;
}): AddressSource {
  const leases: StoredLease[] = [];
  let ready = 0;
  let leasing: Promise<void> | undefined;
  let lastFailure = 0;

  const size = () => ready;
  const lease = (): Promise<void> => {
    leasing ??= opts.portal
      .leaseAddresses(opts.leaseSize)
      .then((leased) => {
        leases.push({
          walletId: leased.walletId,
          first: leased.first,
          count: leased.addresses.length,
          addresses: leased.addresses.join(''),
          taken: 0,
        });
        ready += leased.addresses.length;
      })
      .finally(() => {
        leasing = undefined;
      });
    return leasing;
  };
  const topUp = () => {
    // After a failed lease, wait a little before asking again (a portal that is down stays quiet).
    if (ready >= opts.bufferSize / 2 || leasing !== undefined || Date.now() - lastFailure < 1_000) return;
    lease()
      .then(topUp)
      .catch((err: unknown) => {
        lastFailure = Date.now();
        opts.logger?.warn(
          { err: { name: (err as Error).name, code: (err as { code?: unknown }).code } },
          'challenge address lease failed',
        );
      });
  };
  const take = (): ChallengeAddress | undefined => {
    const current = leases[0];
    if (current === undefined) {
      topUp();
      return undefined;
    }
    const i = current.taken++;
    if (current.taken === current.count) leases.shift();
    ready--;
    topUp();
    return {
      walletId: current.walletId,
      index: current.first + i,
      address: current.addresses.slice(i * ADDRESS_CHARS, (i + 1) * ADDRESS_CHARS),
    };
  };
  const leaseWithin = (waitMs: number | undefined): Promise<void> => {
    const pending = leasing ?? lease();
    if (waitMs === undefined) return pending;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new PortalError('portal_timeout', `no challenge address leased within ${waitMs} ms`)),
        waitMs,
      );
      pending.then(
        () => (clearTimeout(timer), resolve()),
        (err: unknown) => (clearTimeout(timer), reject(err as Error)),
      );
    });
  };
  return {
    take,
    size,
    async next() {
      for (let attempt = 0; attempt < 3; attempt++) {
        const now = take();
        if (now !== undefined) return now;
        await leaseWithin(opts.waitMs);
      }
      throw new Error('no challenge address could be leased');
    },
    async fill(count) {
      while (size() < count) await (leasing ?? lease());
    },
  };
}
