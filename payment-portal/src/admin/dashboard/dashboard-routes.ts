import { createHash, timingSafeEqual } from 'node:crypto';
import { parseCookieHeader, REASONS } from '@turnpike/protocol';
import express, { type Request, type Response } from 'express';
import { PortalError } from '../../errors.js';
import { describeError } from '../../http-errors.js';
import { secretDigest } from '../../http/bearer-check.js';
import type { AdminArea } from '../routes.js';
import { dayRange, parseQuery, revenueQuerySchema } from '../reports/report-params.js';
import { DASHBOARD_CSS, DASHBOARD_CSS_PATH } from './dashboard-css.js';
import { DASHBOARD_HEADERS } from './csp.js';
import { html } from './html.js';
import { loadDashboard } from './load-dashboard.js';
import { layout, renderDashboard, renderSignIn } from './render-page.js';
import { createSessionSigner, SESSION_LIFETIME_MS, SIGN_IN_CSRF_LIFETIME_MS } from './session.js';

/** Where the dashboard lives on the admin listener. */
export const DASHBOARD_PATH = '/dashboard';
const SESSION_COOKIE = 'tp_dashboard';
const SIGN_IN_CSRF_COOKIE = 'tp_dashboard_csrf';

const cookie = (req: Request, name: string): string | undefined =>
  parseCookieHeader(req.get('cookie') ?? '').get(name)?.[0];

/** HttpOnly, SameSite=Strict, scoped to the dashboard, Secure when the request came over https. */
function setCookie(req: Request, res: Response, name: string, value: string, maxAgeMs: number): void {
  const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
  res.append(
    'Set-Cookie',
    `${name}=${value}; Path=${DASHBOARD_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`,
  );
}

/** A form post from another origin (when the browser says where it came from) is refused. */
function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  return origin === undefined || origin === `${req.protocol}://${req.get('host') ?? ''}`;
}

/** Empty form fields mean "no filter". */
function withoutEmpty(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ''));
}

/**
 * The operator dashboard (docs/dashboard.md) on the admin listener: `GET /dashboard` (filters by
 * query string), `GET|POST /dashboard/sign-in`, `POST /dashboard/sign-out`, and its stylesheet.
 * Signing in takes the admin token in a form and sets a signed session cookie; every page is
 * server-rendered under a CSP without script.
 */
export const dashboardRoutes: AdminArea = {
  pages(app, ctx, adminToken, deps) {
    const signer = createSessionSigner(adminToken);
    const expected = secretDigest(adminToken);
    const tokenMatches = (given: unknown): boolean =>
      typeof given === 'string' &&
      timingSafeEqual(createHash('sha256').update(given).digest(), expected) &&
      given.length > 0;
    const router = express.Router();
    const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
    router.use((_req, res, next) => {
      res.set(DASHBOARD_HEADERS);
      next();
    });

    const page = (res: Response, status: number, body: string): void => {
      res.status(status).type('html').send(body);
    };
    const signInPage = (
      req: Request,
      res: Response,
      status: number,
      error?: { message: string; reason: string },
    ) => {
      const csrf = signer.signInCsrf();
      setCookie(req, res, SIGN_IN_CSRF_COOKIE, csrf, SIGN_IN_CSRF_LIFETIME_MS);
      page(res, status, renderSignIn({ csrf, error: error?.message, reason: error?.reason }));
    };
    const errorPage = (res: Response, err: unknown): void => {
      const d = describeError(err);
      if (d.status >= 500) ctx.logger.error({ err }, 'dashboard failed');
      page(
        res,
        d.status,
        layout(
          'Turnpike dashboard',
          html`<main>
            <section>
              <h1>${d.status >= 500 ? 'Something went wrong' : 'Cannot show this'}</h1>
              <p class="error" data-reason="${d.reason}">${d.message}</p>
              <p><a href="${DASHBOARD_PATH}">Back to the dashboard</a></p>
            </section>
          </main>`,
        ),
      );
    };

    router.get(DASHBOARD_CSS_PATH.slice(DASHBOARD_PATH.length), (_req, res) => {
      res.set('Cache-Control', 'no-cache').type('css').send(DASHBOARD_CSS);
    });

    router.get('/sign-in', (req, res) => {
      if (signer.verify(cookie(req, SESSION_COOKIE)) !== undefined) res.redirect(303, DASHBOARD_PATH);
      else signInPage(req, res, 200);
    });

    router.post('/sign-in', form, (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const csrf = body.csrf;
      if (
        !sameOrigin(req) ||
        typeof csrf !== 'string' ||
        csrf !== cookie(req, SIGN_IN_CSRF_COOKIE) ||
        !signer.checkSignInCsrf(csrf)
      ) {
        ctx.metrics.refusals.inc({ reason: REASONS.DASHBOARD_CSRF_INVALID });
        signInPage(req, res, 403, {
          reason: REASONS.DASHBOARD_CSRF_INVALID,
          message: 'The form was stale or came from elsewhere; sign in again.',
        });
        return;
      }
      if (!tokenMatches(body.token)) {
        ctx.metrics.refusals.inc({ reason: REASONS.DASHBOARD_SIGN_IN_FAILED });
        signInPage(req, res, 401, {
          reason: REASONS.DASHBOARD_SIGN_IN_FAILED,
          message: 'Wrong admin token.',
        });
        return;
      }
      const { value } = signer.issue();
      setCookie(req, res, SIGN_IN_CSRF_COOKIE, '', 0);
      setCookie(req, res, SESSION_COOKIE, value, SESSION_LIFETIME_MS);
      res.redirect(303, DASHBOARD_PATH);
    });

    router.post('/sign-out', form, (req, res) => {
      const session = signer.verify(cookie(req, SESSION_COOKIE));
      const csrf = ((req.body ?? {}) as Record<string, unknown>).csrf;
      if (session !== undefined && (!sameOrigin(req) || csrf !== session.csrf)) {
        errorPage(
          res,
          new PortalError(REASONS.DASHBOARD_CSRF_INVALID, 403, 'the sign-out form was not this session’s'),
        );
        return;
      }
      setCookie(req, res, SESSION_COOKIE, '', 0);
      res.redirect(303, `${DASHBOARD_PATH}/sign-in`);
    });

    router.get('/', async (req, res) => {
      const session = signer.verify(cookie(req, SESSION_COOKIE));
      if (session === undefined) {
        res.redirect(303, `${DASHBOARD_PATH}/sign-in`);
        return;
      }
      try {
        const q = parseQuery(revenueQuerySchema, withoutEmpty(req.query as Record<string, unknown>));
        dayRange(q); // refuses a bad range before any query runs
        const data = await loadDashboard(ctx, deps, q);
        page(
          res,
          200,
          renderDashboard(data, {
            registry: ctx.registry,
            filters: q,
            csrf: session.csrf,
            issuer: ctx.config.issuer,
          }),
        );
      } catch (err) {
        errorPage(res, err);
      }
    });

    app.get('/', (_req, res) => res.redirect(303, DASHBOARD_PATH));
    app.use(DASHBOARD_PATH, router);
  },
};
