import { DEFAULT_SITE_ID } from '@turnpike/protocol';
import type { RenderDeps } from '../render/render-denial.js';
import type { SiteAddressSources } from './site-address-sources.js';
import type { SitesCache } from './sites-cache.js';

/**
 * The render deps of a site's 402: its payee (wallets, x402 payTo, Solana wallet) and its own
 * address buffer. One object per site and sites version, so the 402s prepared per deps stay cached
 * between requests; `default` renders with the deps the authorizer always had.
 */
export function createSiteRenderDeps(
  base: RenderDeps,
  sites: Pick<SitesCache, 'current'>,
  addresses: SiteAddressSources,
): (site: string | undefined) => RenderDeps {
  let version = '';
  let bySite = new Map<string, RenderDeps>();
  return (site) => {
    if (site === undefined || site === DEFAULT_SITE_ID) return base;
    const table = sites.current();
    if (table.version !== version) {
      version = table.version;
      bySite = new Map();
    }
    let deps = bySite.get(site);
    if (deps === undefined) {
      const payee = table.byId(site)?.payee;
      deps = {
        ...base,
        payee: { current: () => payee },
        addresses: addresses.of(site),
      };
      bySite.set(site, deps);
    }
    return deps;
  };
}
