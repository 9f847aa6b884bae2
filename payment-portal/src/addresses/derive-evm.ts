import { createHash } from 'node:crypto';
import { HDNodeWallet } from 'ethers';

/**
 * Watch-only EVM receive addresses from an extended public key. The configured xpub is the
 * account node (m/44'/60'/0' in most wallets); receive addresses are its external chain, <xpub>/0/i
 * — the same addresses the owner's wallet shows for m/44'/60'/0'/0/i, so funds can be swept with
 * the seed the owner already holds. Only non-hardened children are derivable from an xpub, which
 * is the point: the portal can derive addresses and never spend.
 */
export interface EvmAddressDeriver {
  /** Stable id of the wallet in storage (a hash of the xpub: the xpub itself is not repeated). */
  walletId: string;
  derive(index: number): string;
}

/** Builds a deriver; throws TypeError when the key is not a public extended key. */
export function createEvmAddressDeriver(xpub: string): EvmAddressDeriver {
  const node = HDNodeWallet.fromExtendedKey(xpub);
  if ('privateKey' in node)
    throw new TypeError('wallets.evm.xpub: an extended PRIVATE key was given; configure the xpub only');
  const external = node.deriveChild(0);
  const walletId = `evm:${createHash('sha256').update(xpub).digest('hex').slice(0, 16)}`;
  return {
    walletId,
    derive: (index) => external.deriveChild(index).address.toLowerCase(),
  };
}
