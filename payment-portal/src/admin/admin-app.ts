import express from 'express';
import type { PortalContext } from '../context.js';
import { errorHandler } from '../http-errors.js';
import { bearerCheck } from '../http/bearer-check.js';
import { adminDeps, type AdminDeps } from './admin-deps.js';
import { ADMIN_ROUTES } from './routes.js';

/** The admin API's mount point on the admin listener; its JSON is what `turnpike` and the dashboard read. */
export const ADMIN_API_PREFIX = '/admin/api';

/**
 * The operator's listener (config `admin`): the admin API under {@link ADMIN_API_PREFIX}, bearer
 * secret `admin.token`, and whatever each area in {@link ADMIN_ROUTES} adds. Never on the public
 * listener: the public path serves payers, this one serves the site's owner.
 */
export function createAdminApp(
  ctx: PortalContext,
  token: string,
  given: Partial<AdminDeps> = {},
): express.Express {
  const deps = adminDeps(given);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const api = express.Router();
  api.use(bearerCheck(token));
  api.use(express.json({ limit: '64kb' }));
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  for (const area of ADMIN_ROUTES) area.api?.(api, ctx, deps);
  app.use(ADMIN_API_PREFIX, api);
  for (const area of ADMIN_ROUTES) area.pages?.(app, ctx, token, deps);
  app.use(errorHandler(ctx.logger, ctx.metrics));
  return app;
}
