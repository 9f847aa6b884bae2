import { DEFAULT_SITE_ID } from './site-schema.js';

/** Splits `name[:port]` (a pattern or a request host) into its name and port ('' when none). */
function split(hostOrPattern: string): { name: string; port: string } {
  if (hostOrPattern.startsWith('[')) {
    const end = hostOrPattern.indexOf(']');
    const rest = end === -1 ? '' : hostOrPattern.slice(end + 1);
    return { name: hostOrPattern.slice(0, end + 1), port: rest.startsWith(':') ? rest.slice(1) : '' };
  }
  const colon = hostOrPattern.lastIndexOf(':');
  return colon === -1
    ? { name: hostOrPattern, port: '' }
    : { name: hostOrPattern.slice(0, colon), port: hostOrPattern.slice(colon + 1) };
}

/**
 * Whether a site host pattern covers a request host (lower case): `example.com` that name on any
 * port, `example.com:8443` only that port, `*.example.com` any subdomain (not the apex).
 */
export function siteHostMatches(pattern: string, host: string): boolean {
  const p = split(pattern);
  const h = split(host);
  if (p.port !== '' && p.port !== h.port) return false;
  if (p.name.startsWith('*.')) {
    const suffix = p.name.slice(1);
    return h.name.length > suffix.length && h.name.endsWith(suffix);
  }
  return h.name === p.name;
}

/**
 * Whether some host matches both patterns. Sites may not share a host, so this is checked against
 * every other enabled site's patterns; a wildcard overlaps every host under it and every wildcard
 * above or below it.
 */
export function siteHostsOverlap(a: string, b: string): boolean {
  const pa = split(a);
  const pb = split(b);
  if (pa.port !== '' && pb.port !== '' && pa.port !== pb.port) return false;
  const wa = pa.name.startsWith('*.');
  const wb = pb.name.startsWith('*.');
  if (!wa && !wb) return pa.name === pb.name;
  if (wa && !wb) return siteHostMatches(pa.name, pb.name);
  if (!wa && wb) return siteHostMatches(pb.name, pa.name);
  const sa = pa.name.slice(1);
  const sb = pb.name.slice(1);
  return sa.endsWith(sb) || sb.endsWith(sa);
}

/** The first pair of overlapping patterns between two lists, or undefined. */
export function firstOverlap(
  mine: readonly string[],
  theirs: readonly string[],
): { pattern: string; other: string } | undefined {
  for (const pattern of mine)
    for (const other of theirs) if (siteHostsOverlap(pattern, other)) return { pattern, other };
  return undefined;
}

/** Most request hosts remembered per index before it starts over (bounds memory under host spraying). */
const MAX_REMEMBERED_HOSTS = 10_000;

/** Resolves a request host to its site: a map lookup once seen, a scan of the patterns the first time. */
export interface SiteIndex<S> {
  /** The site owning `host`, or the default site. */
  resolve(host: string): S;
}

/**
 * Builds a host → site index over enabled sites (patterns never overlap, so the first match is the
 * only one). A host no pattern covers belongs to `fallback` (the config-file site `default`).
 */
export function createSiteIndex<S extends { id: string; hosts: readonly string[] }>(
  sites: readonly S[],
  fallback: S,
): SiteIndex<S> {
  const claimed = sites.filter((s) => s.id !== DEFAULT_SITE_ID && s.hosts.length > 0);
  const memo = new Map<string, S>();
  return {
    resolve(host) {
      const known = memo.get(host);
      if (known !== undefined) return known;
      const lower = host.toLowerCase();
      const site = claimed.find((s) => s.hosts.some((p) => siteHostMatches(p, lower))) ?? fallback;
      if (memo.size >= MAX_REMEMBERED_HOSTS) memo.clear();
      memo.set(host, site);
      return site;
    },
  };
}
