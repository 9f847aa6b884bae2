import { DEFAULT_SITE_ID } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import { createAddressSource, type AddressSource } from '../challenges/address-source.js';
import type { PortalClient } from '../portal/client.js';

/**
 * One buffer of leased challenge addresses per site: each site's API 402s pay into addresses of its
 * own wallet, leased from the portal by naming the site. `default` keeps the buffer the authorizer
 * always had; another site's buffer is made on its first 402.
 */
export interface SiteAddressSources {
  of(site: string | undefined): AddressSource;
  /** Drops the buffers of sites no longer listed (their next 402 leases afresh). */
  retain(sites: ReadonlySet<string>): void;
}

export function createSiteAddressSources(opts: {
  defaultSource: AddressSource;
  portal: Pick<PortalClient, 'leaseAddresses'>;
  bufferSize: number;
  leaseSize: number;
  waitMs?: number;
  logger?: Logger;
}): SiteAddressSources {
  const bySite = new Map<string, AddressSource>();
  return {
    of(site) {
      if (site === undefined || site === DEFAULT_SITE_ID) return opts.defaultSource;
      let source = bySite.get(site);
      if (source === undefined) {
        source = createAddressSource({
          portal: { leaseAddresses: (count) => opts.portal.leaseAddresses(count, site) },
          bufferSize: opts.bufferSize,
          leaseSize: opts.leaseSize,
          ...(opts.waitMs === undefined ? {} : { waitMs: opts.waitMs }),
          ...(opts.logger === undefined ? {} : { logger: opts.logger }),
        });
        bySite.set(site, source);
      }
      return source;
    },
    retain(sites) {
      for (const id of bySite.keys()) if (!sites.has(id)) bySite.delete(id);
    },
  };
}
