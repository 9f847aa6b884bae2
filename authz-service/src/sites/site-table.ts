import { createSiteIndex, DEFAULT_SITE_ID, type AuthzSite, type SitesResponse } from '@turnpike/protocol';

/** The sites as one poll found them, indexed by host. */
export interface SiteTable {
  /** The version the portal named this list with ('' before a first answer). */
  readonly version: string;
  /** The site owning `host` (a map lookup once the host was seen). */
  siteOf(host: string): AuthzSite;
  /** A site by id, when enabled. */
  byId(id: string): AuthzSite | undefined;
  /** The ids listed. */
  ids(): ReadonlySet<string>;
}

/** The table before the portal ever answered: everything belongs to `default`, paid as its payee says. */
const BOOTSTRAP: AuthzSite = Object.freeze({
  id: DEFAULT_SITE_ID,
  hosts: [],
  payee: { txNetworks: [], challengeTtlSeconds: 1 },
}) as AuthzSite;

/** Builds the host index of one list of sites (patterns of enabled sites never overlap). */
export function createSiteTable(response: SitesResponse | undefined): SiteTable {
  const sites = response?.sites ?? [BOOTSTRAP];
  const fallback = sites.find((s) => s.id === DEFAULT_SITE_ID) ?? BOOTSTRAP;
  const index = createSiteIndex(sites, fallback);
  const byId = new Map(sites.map((s) => [s.id, s]));
  return {
    version: response?.version ?? '',
    siteOf: (host) => index.resolve(host),
    byId: (id) => byId.get(id),
    ids: () => new Set(byId.keys()),
  };
}
