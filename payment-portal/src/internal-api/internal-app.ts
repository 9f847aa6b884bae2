import {
  addressLeaseRequestSchema,
  DEFAULT_SITE_ID,
  challengeRequestSchema,
  fromWire,
  PORTAL_API_PATHS,
  REASONS,
  settleRequestSchema,
  type Challenge,
  type SettleResponse,
} from '@turnpike/protocol';
import { requestContext } from '@turnpike/protocol/service';
import express from 'express';
import { getAddress } from 'ethers';
import { leaseChallengeAddresses } from '../challenges/lease-addresses.js';
import type { PortalContext } from '../context.js';
import { mountCreditRoutes } from '../credits/internal-routes.js';
import { PortalError } from '../errors.js';
import { errorHandler } from '../http-errors.js';
import { bearerCheck } from '../http/bearer-check.js';
import { createInvoice } from '../invoices/create-invoice.js';
import { invoiceDepsFor } from '../sites/invoice-deps-for.js';
import { resolveTarget } from '../invoices/resolve-target.js';
import { createAttemptLimiter } from '../proofs/attempt-limiter.js';
import type { SettleVerifiers } from '../proofs/settle-verifiers.js';

function parse<T>(
  schema: {
    safeParse(
      x: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  },
  body: unknown,
): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new PortalError(
      REASONS.REQUEST_SCHEMA_INVALID,
      400,
      first ? `${first.path.map(String).join('.') || '(body)'}: ${first.message}` : 'invalid body',
    );
  }
  return r.data;
}

/**
 * The internal API the authorizer calls (its own listener; bearer secret). Schemas come from
 * @turnpike/protocol's portal-api so both sides parse the same shapes.
 */
export function createInternalApp(
  ctx: PortalContext,
  opts: { verifiers?: SettleVerifiers } = {},
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const prefix = ctx.config.publicPathPrefix;
  const verifiers: SettleVerifiers = opts.verifiers ?? new Map();
  app.use(bearerCheck(ctx.config.listeners.internalToken.reveal()));
  app.use(express.json({ limit: '64kb' }));

  app.get(PORTAL_API_PATHS.payee, (_req, res) => {
    res.json(ctx.payee);
  });

  // The sites the authorizers serve (docs/sites.md): polled every few seconds with the version
  // they hold, so an unchanged list is a 304 without a body.
  app.get(PORTAL_API_PATHS.sites, (req, res) => {
    const etag = `"${ctx.sites.version()}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    res.json(ctx.sites.forAuthz());
  });

  app.post(PORTAL_API_PATHS.addressLeases, async (req, res) => {
    const { count, site: siteId } = parse(addressLeaseRequestSchema, req.body);
    const site = ctx.sites.byId(siteId ?? DEFAULT_SITE_ID);
    if (site === undefined) throw new PortalError(REASONS.SITE_NOT_FOUND, 404, `no enabled site "${siteId}"`);
    if (site.deriver === undefined)
      throw new PortalError(REASONS.OFFER_UNSUPPORTED, 422, `site "${site.id}" has no EVM wallet (xpub)`);
    res.json(await leaseChallengeAddresses(ctx.db, site.deriver, count));
  });

  app.post(PORTAL_API_PATHS.challenges, async (req, res) => {
    const body = parse(challengeRequestSchema, req.body);
    const request = fromWire(body.request, ctx.registry);
    const target = resolveTarget(body, request);
    const invoice = await createInvoice(invoiceDepsFor(ctx, ctx.sites.resolve(target.host)), {
      target,
      request,
      clientIp: body.client.ip,
      source: 'challenge',
    });
    ctx.metrics.invoicesCreated.inc({ source: 'challenge' });
    ctx.events.invoiceCreated(invoice);
    const challenge: Challenge = {
      id: invoice.id,
      expiresAt: invoice.expiresAt.toISOString(),
      payUrl: `${target.scheme}://${target.host}${prefix}/invoices/${invoice.id}`,
      offers: invoice.offers.map((o) => {
        const network = ctx.registry.require(o.network);
        const asset = ctx.registry.asset(o.network, o.assetSymbol);
        return {
          network: o.network,
          caip2: network.caip2,
          asset: {
            symbol: asset.symbol,
            kind: asset.kind,
            decimals: asset.decimals,
            ...(asset.kind === 'erc20' ? { address: asset.address, eip712: asset.eip712 } : {}),
            ...(asset.kind === 'spl' ? { mint: asset.mint } : {}),
          },
          amount:
            request.offers.find((p) => p.network === o.network && p.asset.symbol === o.assetSymbol)?.amount ??
            o.amountAtomic.toString(),
          atomic: o.amountAtomic.toString(),
          payTo: network.kind === 'evm' ? getAddress(o.payTo) : o.payTo,
          ...(o.reference === null ? {} : { reference: o.reference }),
        };
      }),
    };
    res.json(challenge);
  });

  const attempts = createAttemptLimiter(ctx.config.proofs.attemptsPerMinutePerClient);
  // x402 sign-ins have their own, higher limit: a returning client signs in on every call.
  const signIns = createAttemptLimiter(ctx.config.proofs.siwx.attemptsPerMinutePerClient);
  app.post(PORTAL_API_PATHS.settle, async (req, res) => {
    const body = parse(settleRequestSchema, req.body);
    const wait = (body.proof.type === 'siwx' ? signIns : attempts).take(body.client?.ip ?? 'unknown');
    if (wait !== undefined) {
      ctx.metrics.refusals.inc({ reason: REASONS.RATE_LIMITED });
      res.status(429).setHeader('Retry-After', String(wait));
      res.json({
        ok: false,
        reason: REASONS.RATE_LIMITED,
        message: 'too many payment proofs from this client; retry later',
        retryAfterSeconds: wait,
      } satisfies SettleResponse);
      return;
    }
    const verifier = verifiers.get(body.proof.type);
    let answer: SettleResponse;
    if (!verifier) {
      answer = {
        ok: false,
        reason: REASONS.PROOF_UNSUPPORTED,
        message: `proofs of type "${body.proof.type}" are not accepted by this portal`,
      };
    } else {
      answer = await verifier(body, ctx);
    }
    res.json(answer);
  });

  mountCreditRoutes(app, ctx);

  app.use((req, _res, next) => {
    requestContext(ctx.logger, req.headers);
    next(new PortalError(REASONS.INVOICE_NOT_FOUND, 404, 'no such endpoint'));
  });
  app.use(errorHandler(ctx.logger, ctx.metrics));
  return app;
}
