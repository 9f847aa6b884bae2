import { randomBytes } from 'node:crypto';
import { getBase58Decoder, getBase58Encoder } from '@solana/kit';

/**
 * A new Solana Pay reference: 32 random bytes as a base58 public key. Nobody holds (or needs) a
 * private key for it — it only has to be unique, so that the transaction carrying it as a
 * read-only account names exactly one invoice offer (docs/solana.md).
 */
export function newSolanaReference(): string {
  return getBase58Decoder().decode(randomBytes(32));
}

/** True when `s` is base58 that decodes to exactly `bytes` bytes (32: an address, 64: a signature). */
export function isBase58OfLength(s: string, bytes: 32 | 64): boolean {
  if (!/^[1-9A-HJ-NP-Za-km-z]{32,88}$/.test(s)) return false;
  try {
    return getBase58Encoder().encode(s).length === bytes;
  } catch {
    return false;
  }
}
