import { DEFAULT_SITE_ID } from '@turnpike/protocol';
import type { UpstreamMap } from '../requirements/upstreams.js';
import type { SitesCache } from './sites-cache.js';

/**
 * Where a host's declarations are probed: a site's own `upstream` for the hosts it owns, else the
 * configured `upstreams` (the config-file site's). A site added through the admin API is probed
 * without a restart, and a site's declarations only ever come from its own upstream.
 */
export function createSiteUpstreams(
  configured: UpstreamMap,
  sites: Pick<SitesCache, 'current'>,
): UpstreamMap {
  return {
    lookup(host) {
      const site = sites.current().siteOf(host);
      if (site.id !== DEFAULT_SITE_ID && site.upstream !== undefined)
        return site.upstream.replace(/\/+$/, '');
      return configured.lookup(host);
    },
  };
}
