import type { PaymentRequest } from '@turnpike/protocol';
import type { RequirementResolver, Resolution } from '../requirements/resolve.js';
import type { SitesCache } from './sites-cache.js';

/**
 * A site's allow-list of networks and assets (`accept`) applied to what its resources declare: an
 * offer the site does not accept is left out of its 402s (and so of its challenges' seals, which
 * the portal checks the payment against). The filtered request is made once per declared request
 * and sites version, so the 402s prepared per request stay cached.
 */
export function siteRequirements(
  inner: RequirementResolver,
  sites: Pick<SitesCache, 'current'>,
): RequirementResolver {
  let version = '';
  let memo = new WeakMap<PaymentRequest, Map<string, PaymentRequest>>();
  const filter = (resolution: Resolution, host: string): Resolution => {
    if (resolution.kind !== 'priced') return resolution;
    const table = sites.current();
    const site = table.siteOf(host);
    const accept = site.accept;
    if (accept === undefined || (accept.networks === undefined && accept.assets === undefined))
      return resolution;
    if (table.version !== version) {
      version = table.version;
      memo = new WeakMap();
    }
    let bySite = memo.get(resolution.request);
    if (bySite === undefined) {
      bySite = new Map();
      memo.set(resolution.request, bySite);
    }
    let request = bySite.get(site.id);
    if (request === undefined) {
      request = {
        ...resolution.request,
        offers: resolution.request.offers.filter(
          (o) =>
            (accept.networks === undefined || accept.networks.includes(o.network)) &&
            (accept.assets === undefined || accept.assets.includes(o.asset.symbol)),
        ),
      };
      bySite.set(site.id, request);
    }
    return { ...resolution, request };
  };
  return {
    async resolve(req, path, log) {
      return filter(await inner.resolve(req, path, log), req.host);
    },
    ...(inner.resolveCached === undefined
      ? {}
      : {
          resolveCached(req, path, log) {
            const cached = inner.resolveCached?.(req, path, log);
            return cached === undefined ? undefined : filter(cached, req.host);
          },
        }),
  };
}
