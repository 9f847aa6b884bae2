import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
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
  const token = await new SignJWT(claims as never)
    .setProtectedHeader({ alg: 'ES256', kid: keys.current.kid, typ: 'JWT' })
    .sign(keys.current.privateKey);
  return { token, claims };
}
