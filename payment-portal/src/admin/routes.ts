import type express from 'express';
import type { PortalContext } from '../context.js';
import type { AdminDeps } from './admin-deps.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { reportsRoutes } from './reports/reports-routes.js';
import { siteRoutes } from './sites/site-routes.js';
import { statusRoutes } from './status-routes.js';

/**
 * One area of the admin listener. `api` adds JSON routes to the admin API router (already behind
 * the bearer check, JSON bodies parsed, `Cache-Control: no-store`); `pages` adds anything else to
 * the listener's root (the dashboard, with its own sign-in). `deps` is this replica's in-memory
 * state (watchers, settlement failures) and injected sources.
 */
export interface AdminArea {
  api?(router: express.Router, ctx: PortalContext, deps: AdminDeps): void;
  pages?(app: express.Express, ctx: PortalContext, adminToken: string, deps: AdminDeps): void;
}

/** Every area served on the admin listener, one line each. */
export const ADMIN_ROUTES: readonly AdminArea[] = [statusRoutes, siteRoutes, reportsRoutes, dashboardRoutes];
