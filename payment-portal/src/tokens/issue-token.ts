import { randomUUID, sign } from 'node:crypto';
import { DEFAULT_SITE_ID, type TokenClaims } from '@turnpike/protocol';
import type { SigningKeySet } from './signing-keys.js';

export interface IssueTokenInput {
  issuer: string;
  host: string;
  resource: string;
  /** The requirement's custom claims (aud/resource, if present, equal host/resource). */
  claims: Record<string, string>;
  issuedAt: Date;
  expiresAt: Date;
  jti?: string;
  payer?: string | null;
  payment: { network: string; tx: string; invoice?: string };
  /** The site the token is for (docs/sites.md); absent = `default`, which tokens then leave out. */
  site?: string;
}

const RESERVED = new Set(['iss', 'aud', 'resource', 'exp', 'iat', 'nbf', 'jti', 'sub', 'pay', 'site']);

/** Signs a payment token (ES256, `kid` header) with the claims of docs/architecture.md. */
export async function issueToken(
  keys: SigningKeySet,
  input: IssueTokenInput,
): Promise<{ token: string; claims: TokenClaims }> {
  const custom = Object.fromEntries(Object.entries(input.claims).filter(([k]) => !RESERVED.has(k)));
  const claims = {
    ...custom,
    iss: input.issuer,
    aud: input.host,
    resource: input.resource,
    iat: Math.floor(input.issuedAt.getTime() / 1000),
    exp: Math.floor(input.expiresAt.getTime() / 1000),
    jti: input.jti ?? randomUUID(),
    ...(input.payer ? { sub: input.payer } : {}),
    pay: input.payment,
    // A `default` token leaves `site` out: the authorizer reads its absence as `default`, so tokens
    // stay exactly as they were on an installation without sites.
    ...(input.site === undefined || input.site === DEFAULT_SITE_ID ? {} : { site: input.site }),
  } as TokenClaims;
  // A compact JWS signed in this thread (node:crypto, raw r‖s as ES256 wants): jose's SignJWT goes
  // through WebCrypto, a thread-pool round trip that cost a proof ~0.2–3 ms against ~0.06 ms here
  // (bench/settle). The token is verified by jose everywhere (tokens.test.ts, the authorizer).
  const header = { alg: 'ES256', kid: keys.current.kid, typ: 'JWT' };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: keys.current.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  const token = `${signingInput}.${signature.toString('base64url')}`;
  return { token, claims };
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
