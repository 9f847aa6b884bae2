import { scopeCovers } from '../scope/scope-covers.js';
import { scopeFromCookieName, TOKEN_COOKIE } from './cookie-name.js';

/**
 * Token values worth verifying for `path` (normalised), most specific first: every
 * `402_token_<b64url(scope)>` whose scope covers the path, longest scope first, then `402_token`.
 * Duplicate values are dropped; at most `limit` are returned so a request stuffed with cookies
 * cannot make the caller verify hundreds of signatures.
 */
export function tokenCookieCandidates(
  cookies: ReadonlyMap<string, readonly string[]>,
  path: string,
  limit = 8,
): string[] {
  const scoped: { scope: string; values: readonly string[] }[] = [];
  for (const [name, values] of cookies) {
    const scope = scopeFromCookieName(name);
    if (scope !== null && scopeCovers(scope, path)) scoped.push({ scope, values });
  }
  scoped.sort((a, b) => b.scope.length - a.scope.length);
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (values: readonly string[]) => {
    for (const v of values) {
      if (v === '' || seen.has(v) || out.length >= limit) continue;
      seen.add(v);
      out.push(v);
    }
  };
  for (const s of scoped) add(s.values);
  add(cookies.get(TOKEN_COOKIE) ?? []);
  return out;
}
