import type { AdminArea } from './routes.js';

/** `GET /admin/api/status`: which portal answers (the CLI's first call, and a check of the token). */
export const statusRoutes: AdminArea = {
  api(router, ctx) {
    router.get('/status', (_req, res) => {
      res.json({ service: 'payment-portal', issuer: ctx.config.issuer });
    });
  },
};
