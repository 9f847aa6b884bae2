import type { Logger } from '@turnpike/protocol/service';
import type { PortalClient } from '../portal/client.js';
import { createSiteTable, type SiteTable } from './site-table.js';

/**
 * The portal's sites, kept in memory and polled every `refreshMs` with the version last seen
 * (If-None-Match: an unchanged list is a 304 without a body). The last good copy stays while the
 * portal is down, so token holders keep passing; before any answer every host is `default`'s.
 */
export interface SitesCache {
  current(): SiteTable;
  /** The site id owning `host`: a map lookup (the allow path calls it on every request). */
  siteOf(host: string): string;
  /** Fetches now (tests, start-up); resolves when the table is current. */
  refresh(): Promise<SiteTable>;
  stop(): void;
}

export function createSitesCache(opts: {
  portal: Pick<PortalClient, 'sites'>;
  refreshMs: number;
  logger?: Logger;
  /** Called with the new table whenever the list changed (the per-site address buffers follow it). */
  onChange?: (table: SiteTable) => void;
}): SitesCache {
  let table = createSiteTable(undefined);
  let inflight: Promise<SiteTable> | undefined;
  let failing = false;
  const refresh = (): Promise<SiteTable> => {
    inflight ??= opts.portal
      .sites(table.version === '' ? undefined : table.version)
      .then((answer) => {
        if (failing) opts.logger?.info('portal sites reachable again');
        failing = false;
        if (answer !== 'unchanged') {
          table = createSiteTable(answer);
          opts.logger?.info({ version: table.version }, 'sites changed');
          opts.onChange?.(table);
        }
        return table;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
  const timer = setInterval(() => {
    refresh().catch((err: unknown) => {
      // Once per outage, not once per poll.
      if (!failing)
        opts.logger?.warn(
          { err: { name: (err as Error).name, code: (err as { code?: unknown }).code } },
          'portal sites refresh failed; keeping the last good copy',
        );
      failing = true;
    });
  }, opts.refreshMs);
  timer.unref();
  return {
    current: () => table,
    siteOf: (host) => table.siteOf(host).id,
    refresh,
    stop: () => clearInterval(timer),
  };
}
