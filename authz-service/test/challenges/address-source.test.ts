import { checksumEvmAddress, type AddressLeaseResponse } from '@turnpike/protocol';
import { createAddressSource } from '../../src/challenges/address-source.js';

/** A portal's lease endpoint: consecutive indexes, EIP-55 addresses, each lease counted. */
function leasingPortal() {
  let next = 0;
  const leases: number[] = [];
  let fail = false;
  return {
    leases,
    failNext(on: boolean) {
      fail = on;
    },
    async leaseAddresses(count: number): Promise<AddressLeaseResponse> {
      if (fail) throw new Error('portal down');
      const first = next;
      next += count;
      leases.push(count);
      return {
        walletId: 'evm:0123456789abcdef',
        first,
        addresses: Array.from({ length: count }, (_, i) =>
          checksumEvmAddress(`0x${(first + i).toString(16).padStart(40, '0')}`)!,
        ),
      };
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the leased address buffer', () => {
  it('hands out every leased address once, in index order, across leases, as the portal gave it', async () => {
    const portal = leasingPortal();
    const source = createAddressSource({ portal, bufferSize: 8, leaseSize: 4 });
    await source.fill(8);
    expect(source.size()).toBe(8);
    const taken = [];
    for (let i = 0; i < 8; i++) taken.push(source.take()!);
    expect(taken.map((a) => a.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const a of taken) {
      expect(a.walletId).toBe('evm:0123456789abcdef');
      expect(a.address).toBe(checksumEvmAddress(`0x${a.index.toString(16).padStart(40, '0')}`));
    }
  });

  it('refills in the background below half, and a burst past it waits for the lease on its way', async () => {
    const portal = leasingPortal();
    const source = createAddressSource({ portal, bufferSize: 8, leaseSize: 4 });
    await source.fill(8);
    expect(portal.leases).toEqual([4, 4]);
    for (let i = 0; i < 4; i++) source.take();
    expect(portal.leases).toEqual([4, 4]); // still half full
    source.take(); // below half: one lease starts
    await settle();
    expect(portal.leases).toEqual([4, 4, 4]);
    expect(source.size()).toBe(7);
    const burst = await Promise.all(Array.from({ length: 12 }, () => source.next()));
    expect(new Set(burst.map((a) => a.index)).size).toBe(12);
    expect(Math.min(...burst.map((a) => a.index))).toBe(5);
  });

  it('answers nothing (take) or rejects (next) while the portal cannot lease, then recovers', async () => {
    const portal = leasingPortal();
    const source = createAddressSource({ portal, bufferSize: 4, leaseSize: 2 });
    portal.failNext(true);
    expect(source.take()).toBeUndefined();
    await expect(source.next()).rejects.toThrow('portal down');
    portal.failNext(false);
    expect((await source.next()).index).toBe(0);
  });

  it('a request waits at most waitMs for a slow lease, which still lands in the buffer', async () => {
    const portal = leasingPortal();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = {
      leaseAddresses: async (count: number) => {
        await held;
        return portal.leaseAddresses(count);
      },
    };
    const source = createAddressSource({ portal: slow, bufferSize: 4, leaseSize: 2, waitMs: 20 });
    await expect(source.next()).rejects.toMatchObject({ code: 'portal_timeout' });
    release();
    await settle();
    expect(portal.leases).toEqual([2]);
    expect((await source.next()).index).toBe(0);
  });
});
