export const TOKEN_COOKIE = '402_token';
export const TOKEN_COOKIE_PREFIX = '402_token_';

/** `402_token`, or `402_token_<base64url(scope) without padding>` for a scoped cookie. */
export function tokenCookieName(scope?: string): string {
  if (scope === undefined || scope === '') return TOKEN_COOKIE;
  return TOKEN_COOKIE_PREFIX + Buffer.from(scope, 'utf8').toString('base64url');
}

/** The scope encoded in a scoped cookie name, or null (not ours, or not valid base64url). */
export function scopeFromCookieName(name: string): string | null {
  if (!name.startsWith(TOKEN_COOKIE_PREFIX)) return null;
  const encoded = name.slice(TOKEN_COOKIE_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded) || encoded.length % 4 === 1) return null;
  const scope = Buffer.from(encoded, 'base64url').toString('utf8');
  // Only the exact encoding counts, so one scope has one cookie name.
  if (Buffer.from(scope, 'utf8').toString('base64url') !== encoded || !scope.startsWith('/')) return null;
  return scope;
}
