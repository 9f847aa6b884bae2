import { randomBytes } from 'node:crypto';
import { fromWire, isProtocolError, openPayLink, parseCookieHeader, REASONS } from '@turnpike/protocol';
import { healthHandlers, metricsHandler, requestContext } from '@turnpike/protocol/service';
import express from 'express';
import type { PortalContext } from '../context.js';
import { PortalError } from '../errors.js';
import { errorHandler } from '../http-errors.js';
import { createInvoice } from '../invoices/create-invoice.js';
import { invoiceDepsFor } from '../sites/invoice-deps-for.js';
import { isInvoiceIdShape } from '../invoices/get-invoice.js';
import { loadPayPageView } from '../invoices/pay-page-view.js';
import { resolveTarget } from '../invoices/resolve-target.js';
import { PAY_PAGE_ASSETS_DIR, payPageCsp, renderPayPage } from '../pay-page/index.js';
import { mountReceiptRoutes } from '../receipts/receipt-routes.js';
import { completeInvoice } from '../tokens/complete-invoice.js';
import { devPay } from './dev-pay.js';
import { newPaySession, paySessionCookie, PAY_SESSION_COOKIE } from './pay-session.js';
import { createStreamLimiter } from './stream-limiter.js';

const SSE_KEEPALIVE_MS = 15_000;
/** When a capped stream may be tried again (the pay page polls the JSON state meanwhile). */
const STREAM_RETRY_AFTER_SECONDS = 10;

/**
 * The public app: everything under the configured prefix (`/_402`), which the gateway routes
 * to the portal on every protected host, plus /healthz, /readyz and /metrics at the root.
 */
function cookieValue(header: string | undefined, name: string): string | undefined {
  return parseCookieHeader(header).get(name)?.[0];
}

export function createPublicApp(
  ctx: PortalContext,
  opts: { ready: () => Promise<{ ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> }> },
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.listeners.trustProxy);
  const prefix = ctx.config.publicPathPrefix;
  const router = express.Router();
  const health = healthHandlers({ ready: opts.ready });
  const streams = createStreamLimiter(ctx.config.eventStreams);
  const metrics = metricsHandler(ctx.registryMetrics);
  app.get('/healthz', (req, res) => health.healthz(req, res));
  app.get('/readyz', (req, res) => health.readyz(req, res));
  app.get('/metrics', (req, res) => metrics(req, res));

  const invoiceId = (raw: string | string[] | undefined): string => {
    const id = typeof raw === 'string' ? raw : '';
    if (!isInvoiceIdShape(id)) throw new PortalError(REASONS.INVOICE_NOT_FOUND, 404, 'no such invoice');
    return id;
  };
  const loadView = async (id: string) => {
    const view = await loadPayPageView(ctx.db, id, ctx.view);
    if (!view) throw new PortalError(REASONS.INVOICE_NOT_FOUND, 404, 'no such invoice');
    return view;
  };

  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(ctx.keys.jwks);
  });

  router.use(
    '/assets',
    express.static(PAY_PAGE_ASSETS_DIR, { fallthrough: false, index: false, maxAge: '1h' }),
  );

  router.get('/pay', async (req, res) => {
    const ref = typeof req.query.ref === 'string' ? req.query.ref : '';
    if (ref === '') throw new PortalError(REASONS.REFERENCE_INVALID, 400, 'missing payment link reference');
    let link;
    try {
      link = openPayLink(ctx.sealKeys.payLink, ref, Date.now());
    } catch (err) {
      if (isProtocolError(err))
        throw new PortalError(err.code, 400, 'the payment link is invalid or has expired');
      throw err;
    }
    const request = fromWire(link.request, ctx.registry);
    const target = resolveTarget(link, request);
    // The invoice's grant goes only to this browser: /complete asks for the session cookie.
    const session = newPaySession();
    const invoice = await createInvoice(invoiceDepsFor(ctx, ctx.sites.resolve(target.host)), {
      target,
      request,
      clientIp: req.ip ?? null,
      source: 'pay_page',
      sessionHash: session.hash,
    });
    ctx.metrics.invoicesCreated.inc({ source: 'pay_page' });
    ctx.events.invoiceCreated(invoice);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Set-Cookie', paySessionCookie(session.secret, invoice, prefix));
    res.redirect(303, `${prefix}/invoices/${invoice.id}`);
  });

  router.get('/invoices/:id', async (req, res) => {
    const view = await loadView(invoiceId(req.params.id));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept');
    if (req.accepts(['html', 'json']) === 'html') {
      const nonce = randomBytes(18).toString('base64');
      res.setHeader('Content-Security-Policy', payPageCsp(view, nonce));
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.type('html').send(renderPayPage(view, { nonce }));
      return;
    }
    res.json(view);
  });

  router.get('/invoices/:id/events', async (req, res) => {
    const id = invoiceId(req.params.id);
    const release = streams.acquire(id, req.ip ?? '');
    if (!release)
      throw new PortalError(REASONS.RATE_LIMITED, 429, 'too many live status streams', {
        retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS,
      });
    ctx.metrics.eventStreams.set(streams.open);
    // The slot is freed when the response ends for any reason: the client left, or an error answer.
    res.on('close', () => {
      release();
      ctx.metrics.eventStreams.set(streams.open);
    });
    const first = await loadView(id);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const send = (view: unknown) => res.write(`event: state\ndata: ${JSON.stringify(view)}\n\n`);
    send(first);
    const unsubscribe = ctx.hub.subscribe(id, send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
    req.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });

  router.get('/invoices/:id/complete', async (req, res) => {
    const id = invoiceId(req.params.id);
    // Express 5's req.host keeps the port and honours X-Forwarded-Host only from trusted proxies.
    const host = req.host;
    try {
      const done = await completeInvoice(
        {
          db: ctx.db,
          keys: ctx.keys,
          issuer: ctx.config.issuer,
          latePaymentUnlocks: ctx.config.invoice.latePaymentUnlocks,
        },
        { id, requestHost: host, sessionSecret: cookieValue(req.headers.cookie, PAY_SESSION_COOKIE) },
      );
      ctx.metrics.tokensIssued.inc();
      ctx.events.tokenIssued({ claims: done.claims, kid: ctx.keys.current.kid, dialect: 'pay_page' });
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Set-Cookie', done.cookies);
      if (req.accepts(['html', 'json']) === 'json') {
        res.setHeader('x-402-token', done.token);
        res.json({ token: done.token, claims: done.claims, location: done.location });
        return;
      }
      res.redirect(303, done.location);
    } catch (err) {
      // A browser that arrives before the payment is final goes back to its pay page.
      if (
        err instanceof PortalError &&
        err.code === 'invoice_not_paid' &&
        req.accepts(['html', 'json']) === 'html'
      ) {
        res.redirect(303, `${prefix}/invoices/${id}`);
        return;
      }
      throw err;
    }
  });

  router.post('/invoices/:id/dev-pay', express.json({ limit: '4kb' }), async (req, res) => {
    const result = await devPay(ctx, invoiceId(req.params.id), req.body);
    res.setHeader('Cache-Control', 'no-store');
    res.status(202).json(result);
  });

  mountReceiptRoutes(router, ctx);
  app.use(prefix, router);
  app.use((req, _res, next) => {
    requestContext(ctx.logger, req.headers);
    next(new PortalError(REASONS.INVOICE_NOT_FOUND, 404, 'not found'));
  });
  app.use(errorHandler(ctx.logger, ctx.metrics, { html: true }));
  return app;
}
