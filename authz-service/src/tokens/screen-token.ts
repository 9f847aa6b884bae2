import type { JWTPayload } from 'jose';
import { REASONS } from '@turnpike/protocol';
import type { AuthzReason } from '../reasons.js';
import { isTokenAlgorithm, TOKEN_SIGNATURE_CHARS } from './algorithms.js';
import type { KeyIndex } from './key-index.js';
import { tokenRefusal, type TokenContext } from './token-applies.js';
import { toVerifiedToken } from './verified-token.js';

/** A token worth a signature check (and whether we hold its key), or why it is not. */
export type Screening = { plausible: true; keyHeld: boolean } | { plausible: false; reason: AuthzReason };

export interface ScreenOptions {
  issuer: string;
  keys: KeyIndex;
  clockSkewSeconds: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const refused = (reason: AuthzReason): Screening => Object.freeze({ plausible: false, reason });
const MALFORMED = refused(REASONS.TOKEN_MALFORMED);
const ALG_NOT_ALLOWED = refused(REASONS.TOKEN_ALG_NOT_ALLOWED);
const SIGNATURE_INVALID = refused(REASONS.TOKEN_SIGNATURE_INVALID);
const ISSUER_MISMATCH = refused(REASONS.TOKEN_ISSUER_MISMATCH);
const HELD: Screening = Object.freeze({ plausible: true, keyHeld: true });
const NOT_HELD: Screening = Object.freeze({ plausible: true, keyHeld: false });

/**
 * Judges a token without checking its signature: three base64url segments; a header with an
 * accepted `alg` and a `kid`; a 64-byte signature; a claims object with our `iss` and a numeric
 * `exp`, whose time, `aud`, `resource` and claims could grant this request. Each check is one
 * jose or the per-request check would make anyway, so a token that would pass is never refused
 * here; what is refused costs a parse instead of a signature check.
 */
export function screenToken(
  token: string,
  ctx: TokenContext,
  nowSeconds: number,
  opts: ScreenOptions,
): Screening {
  const dot1 = token.indexOf('.');
  const dot2 = dot1 === -1 ? -1 : token.indexOf('.', dot1 + 1);
  if (dot2 === -1 || token.includes('.', dot2 + 1)) return MALFORMED;

  const header = decodeSegment(token.slice(0, dot1));
  if (header === undefined) return MALFORMED;
  if (!isTokenAlgorithm(header.alg)) return ALG_NOT_ALLOWED;
  // The portal always names its key; a kid-less token would make jose try every key.
  if (typeof header.kid !== 'string') return MALFORMED;

  const signature = token.slice(dot2 + 1);
  if (!BASE64URL.test(signature)) return MALFORMED;
  if (signature.length !== TOKEN_SIGNATURE_CHARS) return SIGNATURE_INVALID;

  const payload = decodeSegment(token.slice(dot1 + 1, dot2));
  if (payload === undefined) return MALFORMED;
  const claims = toVerifiedToken(payload as JWTPayload);
  if (claims === undefined) return MALFORMED;
  if (payload.iss !== opts.issuer) return ISSUER_MISMATCH;
  const reason = tokenRefusal(claims, ctx, nowSeconds, opts.clockSkewSeconds);
  if (reason !== undefined) return refused(reason);
  return opts.keys.holds(header.kid, header.alg) ? HELD : NOT_HELD;
}

/** A base64url JSON object segment, or undefined. */
function decodeSegment(segment: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
