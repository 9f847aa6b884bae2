/**
 * True when a token scoped to `scope` may open `path` (both normalised): equal, or `path` lies
 * below `scope` on a segment boundary. `/premium` covers `/premium` and `/premium/x`, never
 * `/premium-x`; `/premium/` covers `/premium/x` but not `/premium`; `/` covers everything.
 */
export function scopeCovers(scope: string, path: string): boolean {
  if (!scope.startsWith('/')) return false;
  if (path === scope) return true;
  if (scope.endsWith('/')) return path.startsWith(scope);
  return path.startsWith(`${scope}/`);
}
