import { parseCookieHeader, tokenCookieCandidates } from '@turnpike/protocol';

/** Where a candidate token was found, most specific first. */
export type TokenSource = 'cookie' | 'bearer' | 'x-402-token';

export interface TokenCandidate {
  source: TokenSource;
  token: string;
}

/** More candidates than this are ignored: bounds the signature checks one request can cause. */
export const MAX_TOKEN_CANDIDATES = 8;
const NO_CANDIDATES: readonly TokenCandidate[] = Object.freeze([]);

/**
 * The request's candidate tokens, most specific first: `402_token_<b64url(scope)>` cookies whose
 * scope covers `path` (longest scope first), then `402_token`, then `Authorization: Bearer`, then
 * `x-402-token`. Scoped cookies for other paths are left out. Duplicates count once.
 */
export function tokenCandidates(headers: Record<string, string | undefined>, path: string): readonly TokenCandidate[] {
  const cookie = headers.cookie;
  const auth = headers.authorization;
  const direct = headers['x-402-token'];
  const hasCookie = cookie !== undefined && cookie.includes('402_token');
  const bearer = auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ' ? auth.slice(7).trim() : '';
  const header = direct === undefined ? '' : direct.trim();
  if (!hasCookie && bearer === '' && header === '') return NO_CANDIDATES;

  const out: TokenCandidate[] = [];
  if (hasCookie) {
    for (const token of tokenCookieCandidates(parseCookieHeader(cookie), path, MAX_TOKEN_CANDIDATES)) out.push({ source: 'cookie', token });
  }
  if (bearer !== '' && !out.some((c) => c.token === bearer)) out.push({ source: 'bearer', token: bearer });
  if (header !== '' && !out.some((c) => c.token === header)) out.push({ source: 'x-402-token', token: header });
  return out.length > MAX_TOKEN_CANDIDATES ? out.slice(0, MAX_TOKEN_CANDIDATES) : out;
}
