import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { Secret } from '@turnpike/protocol/service';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export interface SigningKeySet {
  /** The key that signs (the newest). */
  current: SigningKey;
  all: readonly SigningKey[];
  /** The JWKS document: every key's public half. */
  jwks: { keys: JWK[] };
}

/** A signing key that cannot be used (not P-256, not a private key, not PEM or JWK). */
export class SigningKeyError extends Error {
  readonly code = 'signing_key_invalid' as const;
  constructor(kid: string, why: string) {
    super(`tokens.signingKeys "${kid}": ${why}`);
    this.name = 'SigningKeyError';
  }
}

function parsePrivateKey(kid: string, secret: Secret): KeyObject {
  const text = secret.reveal().trim();
  let key: KeyObject;
  try {
    key = text.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(text) as JWK as never, format: 'jwk' })
      : createPrivateKey(text);
  } catch {
    throw new SigningKeyError(kid, 'not a PKCS#8/SEC1 PEM or a JWK private key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SigningKeyError(kid, 'ES256 needs a P-256 (prime256v1) EC key');
  }
  return key;
}

/**
 * Loads the ES256 token keys. The newest signs — the one with the latest `createdAt`, else the
 * last listed — and all are published in the JWKS, so tokens signed by a key being rotated out
 * stay valid until they expire.
 */
export function loadSigningKeys(
  entries: ReadonlyArray<{ kid: string; privateKey: Secret; createdAt?: string | undefined }>,
): SigningKeySet {
  if (entries.length === 0) throw new SigningKeyError('(none)', 'at least one key is needed');
  const keys = entries.map((entry, order) => {
    const privateKey = parsePrivateKey(entry.kid, entry.privateKey);
    const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
    return {
      key: {
        kid: entry.kid,
        privateKey,
        publicJwk: { ...publicJwk, kid: entry.kid, alg: 'ES256', use: 'sig' },
      },
      order,
      createdAt: entry.createdAt ? Date.parse(entry.createdAt) : undefined,
    };
  });
  const newest = [...keys]
    .sort((a, b) => (a.createdAt ?? a.order) - (b.createdAt ?? b.order) || a.order - b.order)
    .at(-1)!;
  return {
    current: newest.key,
    all: keys.map((k) => k.key),
    jwks: { keys: keys.map((k) => k.key.publicJwk) },
  };
}
