import { ADDRESS_BRANCH, createXpubDeriver } from './xpub-deriver.js';

/**
 * Watch-only EVM receive addresses of the pay-page pool. The configured xpub is the account node
 * (m/44'/60'/0' in most wallets); pool addresses are its external chain, <xpub>/0/i — the same
 * addresses the owner's wallet shows for m/44'/60'/0'/0/i, so funds can be swept with the seed
 * the owner already holds. Only non-hardened children are derivable from an xpub, which is the
 * point: the portal can derive addresses and never spend.
 */
export interface EvmAddressDeriver {
  /** Stable id of the wallet in storage (a hash of the xpub: the xpub itself is not repeated). */
  walletId: string;
  derive(index: number): string;
}

/** Builds a deriver; throws TypeError when the key is not a public extended key. */
export function createEvmAddressDeriver(xpub: string): EvmAddressDeriver {
  const deriver = createXpubDeriver(xpub);
  return { walletId: deriver.walletId, derive: (index) => deriver.address([ADDRESS_BRANCH.pool, index]) };
}
