import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { getBase58Decoder, getBase58Encoder } from '@solana/kit';
import type { Secret } from '@turnpike/protocol/service';

/** The portal's Solana fee payer: its public address and an Ed25519 signer over message bytes. */
export interface SolanaFeePayer {
  /** base58 public key (safe to show in the 402, /readyz and metrics). */
  readonly address: string;
  /** The Ed25519 signature of a transaction message (64 bytes). */
  sign(message: Uint8Array): Uint8Array;
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410), so node:crypto can hold the key.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Reads the fee payer's key from its secret source: a solana-keygen JSON array of 64 numbers, or
 * the same 64 bytes in base58. The last 32 bytes must be the public key of the first 32 (the seed);
 * a key that is not one is refused with a message that never repeats it.
 */
export function loadSolanaFeePayer(secret: Secret): SolanaFeePayer {
  const where = `proofs.x402.solana.feePayerKey (${secret.source})`;
  const bytes = secretKeyBytes(secret.reveal().trim());
  if (bytes === undefined || bytes.length !== 64)
    throw new TypeError(`${where}: not a Solana secret key (64 bytes, JSON array or base58)`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, bytes.subarray(0, 32)]),
      format: 'der',
      type: 'pkcs8',
    });
  } catch {
    throw new TypeError(`${where}: not an Ed25519 key`);
  }
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = Buffer.from(jwk.x ?? '', 'base64url');
  if (!publicKey.equals(bytes.subarray(32)))
    throw new TypeError(`${where}: the public half does not match the secret half`);
  bytes.fill(0);
  return {
    address: getBase58Decoder().decode(publicKey),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

function secretKeyBytes(text: string): Buffer | undefined {
  try {
    if (text.startsWith('[')) {
      const parsed: unknown = JSON.parse(text);
      if (!Array.isArray(parsed) || !parsed.every((b) => Number.isInteger(b) && b >= 0 && b <= 255))
        return undefined;
      return Buffer.from(parsed as number[]);
    }
    return Buffer.from(getBase58Encoder().encode(text));
  } catch {
    return undefined;
  }
}
