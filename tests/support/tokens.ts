/**
 * Test signing keys and tokens: a real ES256 key pair, its JWKS written to a file the
 * authorizer loads, and tokens signed with the portal's claim layout (docs/architecture.md),
 * each claim overridable so a test can break exactly one thing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, exportPKCS8, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface TestSigner {
  kid: string;
  issuer: string;
  /** The public JWKS (what the portal serves at /_402/.well-known/jwks.json). */
  jwks: { keys: JWK[] };
  /** A file holding `jwks`, for the authorizer's JWKS-file mode. */
  jwksFile: string;
  /** Signs a token with the portal's claim layout; `claims` overrides (undefined deletes). */
  sign(claims: TokenClaimsInput, opts?: SignOptions): Promise<string>;
  /** The private key as PKCS#8 PEM (to hand the same key to a real portal). */
  privateKeyPem(): Promise<string>;
  /** Removes the temp dir holding the JWKS file. */
  cleanup(): void;
}

export interface TokenClaimsInput {
  aud: string;
  resource: string;
  [claim: string]: unknown;
}

export interface SignOptions {
  /** Seconds from now; negative for an expired token. Default 3600. */
  expiresInSeconds?: number;
  /** Seconds from now for `nbf`. */
  notBeforeInSeconds?: number;
  /** Sign with this key instead (the signature will not verify against the JWKS). */
  key?: CryptoKey;
  kid?: string;
  /** Claim names to leave out entirely. */
  omit?: string[];
}

/** A fresh ES256 signer whose JWKS sits in a temp file. */
export async function createTestSigner(opts: { issuer?: string } = {}): Promise<TestSigner> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `test-${randomUUID().slice(0, 8)}`;
  const issuer = opts.issuer ?? 'https://turnpike.test/_402';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-jwks-'));
  const jwksFile = path.join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(jwks));

  return {
    kid,
    issuer,
    jwks,
    jwksFile,
    async sign(claims, signOpts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: issuer,
        iat: now,
        exp: now + (signOpts.expiresInSeconds ?? 3600),
        jti: randomUUID(),
        sub: '0x1111111111111111111111111111111111111111',
        pay: { network: 'base-sepolia', tx: `0x${'ab'.repeat(32)}`, invoice: randomUUID() },
        ...claims,
      };
      if (signOpts.notBeforeInSeconds !== undefined) payload.nbf = now + signOpts.notBeforeInSeconds;
      for (const name of signOpts.omit ?? []) delete payload[name];
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: signOpts.kid ?? kid, typ: 'JWT' })
        .sign(signOpts.key ?? privateKey);
    },
    privateKeyPem: () => exportPKCS8(privateKey),
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Another ES256 private key, for "bad signature" tokens that still name the trusted kid. */
export async function otherSigningKey(): Promise<CryptoKey> {
  return (await generateKeyPair('ES256')).privateKey;
}

/** An unsigned token (`alg: none`) carrying the given claims. */
export function unsignedToken(claims: Record<string, unknown>, kid: string): string {
  const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64({ iat: now, exp: now + 3600, ...claims })}.`;
}

/** The per-scope cookie name: `402_token_<base64url(scope) without padding>`. */
export function scopeCookieName(scope: string): string {
  return `402_token_${Buffer.from(scope).toString('base64url')}`;
}
