import { parseCookieHeader, tokenCookieCandidates } from '@turnpike/protocol';

/** Where a candidate token was found, most specific first. */
export type TokenSource = 'cookie' | 'bearer' | 'x-402-token';

export interface TokenCandidate {
  source: TokenSource;
  token: string;
}

const NO_CANDIDATES: readonly TokenCandidate[] = Object.freeze([]);

/**
 * The request's candidate tokens, most specific first: `402_token_<b64url(scope)>` cookies whose
 * scope covers `path` (longest scope first), then `402_token`, then `Authorization: Bearer`, then
 * `x-402-token`. Scoped cookies for other paths are left out. Duplicates count once. All of them:
 * the checker bounds the signature checks, not the candidates (check.ts).
 */
export function tokenCandidates(
  headers: Record<string, string | undefined>,
  path: string,
): readonly TokenCandidate[] {
  const cookie = headers.cookie;
  const auth = headers.authorization;
  const direct = headers['x-402-token'];
  const hasCookie = cookie !== undefined && cookie.includes('402_token');
  const bearer =
    auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer '
      ? auth.slice(7).trim()
      : '';
  const header = direct === undefined ? '' : direct.trim();
  if (!hasCookie && bearer === '' && header === '') return NO_CANDIDATES;

  const out: TokenCandidate[] = [];
  if (hasCookie) {
    const plain = soleCookieValue(cookie);
    if (plain !== undefined) {
      if (plain !== '') out.push({ source: 'cookie', token: plain });
    } else {
      for (const token of tokenCookieCandidates(parseCookieHeader(cookie), path))
        out.push({ source: 'cookie', token });
    }
  }
  if (bearer !== '' && !out.some((c) => c.token === bearer)) out.push({ source: 'bearer', token: bearer });
  if (header !== '' && !out.some((c) => c.token === header))
    out.push({ source: 'x-402-token', token: header });
  return out;
}

const PLAIN = '402_token=';

/**
 * Fast path for the common header: no scoped cookie and a single `402_token`. Returns its value
 * (unquoted), or undefined when the full parser is needed.
 */
function soleCookieValue(cookie: string): string | undefined {
  if (cookie.includes('402_token_')) return undefined;
  const at = cookie.indexOf(PLAIN);
  if (at === -1 || cookie.indexOf(PLAIN, at + PLAIN.length) !== -1) return undefined;
  if (at > 0) {
    const before = cookie.charCodeAt(at - 1);
    if (before !== 59 /* ; */ && before !== 32 /* space */) return undefined;
  }
  const end = cookie.indexOf(';', at);
  let value = (end === -1 ? cookie.slice(at + PLAIN.length) : cookie.slice(at + PLAIN.length, end)).trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return value;
}
