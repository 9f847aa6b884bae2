import { DEFAULT_SITE_ID } from '@turnpike/protocol';
import type { RouteTable } from '../requirements/static-routes.js';
import type { SitesCache } from './sites-cache.js';

/**
 * The configured static routes are the config-file site's (`default`): they price only hosts that
 * site owns. On a host another site owns they do not apply (its own upstream's declarations price
 * it), so a route written for one site can never price another's host. Named routes (Envoy
 * context_extensions) are chosen by the gateway's own route, which the operator configures.
 */
export function siteRouteTable(routes: RouteTable, sites: Pick<SitesCache, 'siteOf'>): RouteTable {
  const foreign = (host: string) => sites.siteOf(host) !== DEFAULT_SITE_ID;
  return {
    match: (host, path, method) => (foreign(host) ? undefined : routes.match(host, path, method)),
    byName: (name) => routes.byName(name),
    knowsHost: (host) => !foreign(host) && routes.knowsHost(host),
    forHost: (host) => (foreign(host) ? [] : routes.forHost(host)),
  };
}
