import { createHash, createHmac } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3';
import { HDNodeWallet } from 'ethers';
import { pointAddScalar, pointCompress } from 'tiny-secp256k1';

/** The branches under the account xpub (`<xpub>/<branch>/…`) Turnpike derives receive addresses on. */
export const ADDRESS_BRANCH = {
  /** Pay-page invoices' pool: `<xpub>/0/i`, what a wallet shows as the account's receive addresses. */
  pool: 0,
  /** Stateless API challenges: `<xpub>/1/⌊i/2^31⌋/(i mod 2^31)` (62 bits of index). */
  challenge: 1,
  /** x402 `exact` settlements: `<xpub>/2/0`, one fixed address (the payer's signature is the binding). */
  x402: 2,
} as const;

const NON_HARDENED = 0x8000_0000;

interface PublicNode {
  /** Compressed (33 bytes): what BIP-32 hashes. */
  compressed: Buffer;
  /** Uncompressed (65 bytes): what the point addition takes without decompressing each time. */
  uncompressed: Uint8Array;
  chainCode: Buffer;
}

/**
 * Watch-only EVM addresses from an account-level extended public key (BIP-32 public child
 * derivation, CKDpub). The point arithmetic is libsecp256k1 compiled to WebAssembly
 * (`tiny-secp256k1`): about 5× faster here than ethers' pure-JS derivation, which matters
 * because every API 402 hands out a fresh address (bench/results). Intermediate nodes are cached.
 */
export interface XpubDeriver {
  /** Stable id of the wallet in storage (a hash of the xpub; the xpub itself is not repeated). */
  readonly walletId: string;
  /** The lower-case 0x address at `<xpub>/<path…>` (every step non-hardened). */
  address(path: readonly number[]): string;
  /** The challenge address of index `i` (`<xpub>/1/⌊i/2^31⌋/(i mod 2^31)`). */
  challengeAddress(index: number): string;
}

/** Same id as the pay-page pool's deriver (`createEvmAddressDeriver`), so both name one wallet. */
export function walletIdOf(xpub: string): string {
  return `evm:${createHash('sha256').update(xpub).digest('hex').slice(0, 16)}`;
}

/** Builds a deriver; throws TypeError when the key is not a public extended key. */
export function createXpubDeriver(xpub: string): XpubDeriver {
  const root = HDNodeWallet.fromExtendedKey(xpub);
  if ('privateKey' in root)
    throw new TypeError('wallets.evm.xpub: an extended PRIVATE key was given; configure the xpub only');
  const rootNode = nodeOf(
    Buffer.from(root.publicKey.slice(2), 'hex'),
    Buffer.from(root.chainCode.slice(2), 'hex'),
  );
  // Parents along the paths used so far (at most a few: branches and challenge high words).
  const parents = new Map<string, PublicNode>([['', rootNode]]);

  const parentOf = (path: readonly number[]): PublicNode => {
    const key = path.join('/');
    let node = parents.get(key);
    if (node === undefined) {
      node = child(parentOf(path.slice(0, -1)), path[path.length - 1] as number);
      if (parents.size < 1_024) parents.set(key, node);
    }
    return node;
  };
  const address = (path: readonly number[]): string => {
    if (path.length === 0) throw new TypeError('an address path needs at least one step');
    for (const step of path)
      if (!Number.isInteger(step) || step < 0 || step >= NON_HARDENED)
        throw new TypeError(`derivation step ${step} is not a non-hardened index`);
    const leaf = child(parentOf(path.slice(0, -1)), path[path.length - 1] as number);
    return `0x${Buffer.from(keccak_256(leaf.uncompressed.subarray(1)).subarray(12)).toString('hex')}`;
  };
  return {
    walletId: walletIdOf(xpub),
    address,
    challengeAddress(index) {
      if (!Number.isSafeInteger(index) || index < 0)
        throw new TypeError(`challenge index ${index} is out of range`);
      return address([ADDRESS_BRANCH.challenge, Math.floor(index / NON_HARDENED), index % NON_HARDENED]);
    },
  };
}

function nodeOf(compressed: Buffer, chainCode: Buffer): PublicNode {
  const uncompressed = pointCompress(compressed, false);
  return { compressed, uncompressed, chainCode };
}

/** CKDpub(parent, index): parent point + G·IL, chain code IR (BIP-32). */
function child(parent: PublicNode, index: number): PublicNode {
  const data = Buffer.allocUnsafe(37);
  parent.compressed.copy(data, 0);
  data.writeUInt32BE(index, 33);
  const I = createHmac('sha512', parent.chainCode).update(data).digest();
  // IL ≥ n or a point at infinity has probability ~2^-127; BIP-32 says skip the index, we refuse it.
  const point = pointAddScalar(parent.uncompressed, I.subarray(0, 32), false);
  if (point === null) throw new RangeError(`index ${index} derives no key (BIP-32: skip it)`);
  return {
    compressed: Buffer.from(pointCompress(point, true)),
    uncompressed: point,
    chainCode: I.subarray(32),
  };
}
