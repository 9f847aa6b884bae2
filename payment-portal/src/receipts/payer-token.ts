import { REASONS, tokenClaimsSchema, type Reason, type TokenClaims } from '@turnpike/protocol';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors } from 'jose';
import { PortalError } from '../errors.js';
import type { SigningKeySet } from '../tokens/signing-keys.js';

/**
 * The claims of an access token this portal issued, from `Authorization: Bearer …`: its signature
 * checked against the portal's own keys and its issuer against the configured one. Expiry is not
 * checked: the token is the payer's proof of which payment was theirs, and a receipt is asked for
 * after the access it bought has ended too. Anything else is a 401 with the token reason.
 */
export async function verifyPayerToken(
  keys: SigningKeySet,
  issuer: string,
  authorization: string | undefined,
): Promise<TokenClaims> {
  const token = authorization?.startsWith('Bearer ') === true ? authorization.slice(7).trim() : '';
  if (token === '')
    throw unauthorized(REASONS.TOKEN_MISSING, 'send the access token as Authorization: Bearer');
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw unauthorized(REASONS.TOKEN_MALFORMED, 'not a JWT');
  }
  if (header.alg !== 'ES256') throw unauthorized(REASONS.TOKEN_ALG_NOT_ALLOWED, 'not an ES256 token');
  if (header.typ !== undefined && header.typ !== 'JWT')
    throw unauthorized(REASONS.TOKEN_MALFORMED, 'not an access token');
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, createLocalJWKSet(keys.jwks), { algorithms: ['ES256'] }));
  } catch (err) {
    if (err instanceof errors.JWKSNoMatchingKey) throw unauthorized(REASONS.TOKEN_KID_UNKNOWN, 'unknown key');
    throw unauthorized(REASONS.TOKEN_SIGNATURE_INVALID, 'the signature does not verify');
  }
  let claims: TokenClaims;
  try {
    claims = tokenClaimsSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
  } catch {
    throw unauthorized(REASONS.TOKEN_MALFORMED, 'not a Turnpike access token');
  }
  if (claims.iss !== issuer) throw unauthorized(REASONS.TOKEN_ISSUER_MISMATCH, 'issued by another portal');
  return claims;
}

function unauthorized(reason: Reason, message: string): PortalError {
  return new PortalError(reason, 401, message);
}
