import { DEFAULT_SITE_ID, REASONS, SITE_ID_PATTERN } from '@turnpike/protocol';
import type express from 'express';
import type { PortalContext } from '../../context.js';
import { PortalError } from '../../errors.js';
import { createSite, updateSite } from '../../sites/save-site.js';
import { SiteInvalidError } from '../../sites/site-errors.js';
import { getSite, listSites } from '../../sites/site-rows.js';
import type { AdminArea } from '../routes.js';

/** The config-file site as the admin API lists it (read-only: it lives in the portal config). */
function defaultSiteView(ctx: PortalContext) {
  const site = ctx.sites.byId(DEFAULT_SITE_ID);
  return {
    id: DEFAULT_SITE_ID,
    hosts: [],
    enabled: true,
    source: 'config' as const,
    wallets: {
      ...(site?.payee.evm === undefined ? {} : { evm: { walletId: site.payee.evm.walletId } }),
      ...(site?.solanaWallet === undefined ? {} : { solana: { address: site.solanaWallet } }),
    },
  };
}

function siteId(req: express.Request): string {
  const id = String(req.params.id);
  if (!SITE_ID_PATTERN.test(id)) throw new PortalError(REASONS.SITE_NOT_FOUND, 404, `no site "${id}"`);
  return id;
}

/** A write's answer: the site, after this replica's cache took it in (the others poll). */
async function written(
  ctx: PortalContext,
  res: express.Response,
  status: number,
  write: () => Promise<unknown>,
) {
  try {
    const site = await write();
    await ctx.sites.refresh();
    res.status(status).json(site);
  } catch (err) {
    // Every schema problem at once, each with its path.
    if (err instanceof SiteInvalidError) {
      ctx.metrics.refusals.inc({ reason: err.code });
      res.status(400).json({ error: err.code, reason: err.code, message: err.message, issues: err.issues });
      return;
    }
    throw err;
  }
}

/**
 * Sites (docs/sites.md): `GET /sites`, `GET /sites/:id`, `POST /sites`, `PATCH /sites/:id`,
 * `POST /sites/:id/disable`. `default` is listed but read-only (the portal config's).
 */
export const siteRoutes: AdminArea = {
  api(router, ctx) {
    router.get('/sites', async (_req, res) => {
      res.json({ version: ctx.sites.version(), sites: [defaultSiteView(ctx), ...(await listSites(ctx.db))] });
    });
    router.get('/sites/:id', async (req, res) => {
      const id = siteId(req);
      if (id === DEFAULT_SITE_ID) {
        res.json(defaultSiteView(ctx));
        return;
      }
      const site = await getSite(ctx.db, id);
      if (site === undefined) throw new PortalError(REASONS.SITE_NOT_FOUND, 404, `no site "${id}"`);
      res.json(site);
    });
    router.post('/sites', (req, res) => written(ctx, res, 201, () => createSite(ctx.db, req.body)));
    router.patch('/sites/:id', (req, res) =>
      written(ctx, res, 200, () => updateSite(ctx.db, siteId(req), req.body)),
    );
    router.post('/sites/:id/disable', (req, res) =>
      written(ctx, res, 200, () => updateSite(ctx.db, siteId(req), { enabled: false })),
    );
  },
};
