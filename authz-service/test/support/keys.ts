import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface TestSigner {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  jwk: JWK;
  sign(
    claims: JWTPayload,
    opts?: { kid?: string; alg?: string; expSeconds?: number; nbf?: number; iat?: number; typ?: string },
  ): Promise<string>;
}

/** A real key pair (ES256 or EdDSA) whose public half goes into the test JWKS. */
export async function createSigner(kid: string, alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<TestSigner> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    jwk,
    async sign(claims, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: opts.alg ?? alg, kid: opts.kid ?? kid, typ: opts.typ ?? 'JWT' })
        .setIssuedAt(opts.iat ?? now)
        .setExpirationTime(now + (opts.expSeconds ?? 3600));
      if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
      return jwt.sign(privateKey);
    },
  };
}

/** An unsigned `alg: none` token with the given claims. */
export function unsignedToken(claims: JWTPayload): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}

/** An HS256 token (the classic "use the public key as an HMAC secret" attack shape). */
export async function hmacToken(claims: JWTPayload, kid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid })
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
}
