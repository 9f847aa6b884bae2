import type { Logger } from '@turnpike/protocol/service';
import type { PortalClient } from '../portal/client.js';

/** One never-used challenge receive address: `<xpub>/1/…` index `index` of wallet `walletId`. */
export interface ChallengeAddress {
  walletId: string;
  index: number;
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

export function createAddressSource(opts: {
  portal: Pick<PortalClient, 'leaseAddresses'>;
  bufferSize: number;
  leaseSize: number;
  logger?: Logger;
}): AddressSource {
  // A ring of leased addresses; `head` is the next to hand out.
  let ready: ChallengeAddress[] = [];
  let head = 0;
  let leasing: Promise<void> | undefined;
  let lastFailure = 0;

  const size = () => ready.length - head;
  const lease = (): Promise<void> => {
    leasing ??= opts.portal
      .leaseAddresses(opts.leaseSize)
      .then((leased) => {
        if (head > 0) {
          ready = ready.slice(head);
          head = 0;
        }
        leased.addresses.forEach((address, i) =>
          ready.push({ walletId: leased.walletId, index: leased.first + i, address }),
        );
      })
      .finally(() => {
        leasing = undefined;
      });
    return leasing;
  };
  const topUp = () => {
    // After a failed lease, wait a little before asking again (a portal that is down stays quiet).
    if (size() >= opts.bufferSize / 2 || leasing !== undefined || Date.now() - lastFailure < 1_000) return;
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
    const next = ready[head];
    if (next === undefined) {
      topUp();
      return undefined;
    }
    head++;
    topUp();
    return next;
  };
  return {
    take,
    size,
    async next() {
      for (let attempt = 0; attempt < 3; attempt++) {
        const now = take();
        if (now !== undefined) return now;
        await (leasing ?? lease());
      }
      throw new Error('no challenge address could be leased');
    },
    async fill(count) {
      while (size() < count) await (leasing ?? lease());
    },
  };
}
