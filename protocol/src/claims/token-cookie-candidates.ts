import { scopeCovers } from '../scope/scope-covers.js';
import { scopeFromCookieName, TOKEN_COOKIE } from './cookie-name.js';

/**
 * Token values worth trying for `path` (normalised), most specific first: every
 * `402_token_<b64url(scope)>` whose scope covers the path, longest scope first, then `402_token`.
 * Duplicate and empty values are dropped. All of them are returned, however many: a cap here would
 * let junk under one name push a valid token out. The caller bounds its work per candidate instead
 * (cheap checks first, a budget of signature checks), and the header's size bounds their number.
 */
export function tokenCookieCandidates(
  cookies: ReadonlyMap<string, readonly string[]>,
  path: string,
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
      if (v === '' || seen.has(v)) continue;
      seen.add(v);
      out.push(v);
    }
  };
  for (const s of scoped) add(s.values);
  add(cookies.get(TOKEN_COOKIE) ?? []);
  return out;
}
