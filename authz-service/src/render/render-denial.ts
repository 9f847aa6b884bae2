import { encodeX402Header, toWire, type NetworkRegistry } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type {
  DenyDecision,
  NeutralRequest,
  PaymentRequiredDecision,
  RenderedResponse,
  ResolvedRequirement,
} from '../core/types.js';
import type { PortalClient, ReferenceRequest } from '../portal/client.js';
import { AUTHZ_REASONS } from '../reasons.js';
import { paymentPage, refusalPage } from './html.js';
import { prefersHtml } from './negotiate.js';
import type { ReferenceCache } from './reference-cache.js';
import { x402Terms } from './x402.js';

export interface RenderDeps {
  portal: PortalClient;
  references: ReferenceCache;
  registry: NetworkRegistry;
  /** Where the portal is mounted on every protected host, e.g. `/_402`. */
  publicPathPrefix: string;
  x402MaxTimeoutSeconds: number;
  log?: Logger;
}

/** Headers the browser must be able to read from a cross-origin 402 (x402 clients need them). */
export const EXPOSE_HEADERS = 'PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, X-402-Token';
const RETRY_AFTER_SECONDS = '5';

/**
 * Renders a denial as a full HTTP response, independent of the gateway: the 402 (an HTML page for
 * browsers, JSON + x402 terms for programs), 403 for forbidden, 503 for unavailable. Only this
 * contacts the portal; if the portal fails, the answer is 503 `portal_unavailable` (never an allow).
 */
export async function renderDenial(
  decision: DenyDecision,
  req: NeutralRequest,
  deps: RenderDeps,
): Promise<RenderedResponse> {
  const html = prefersHtml(req.headers.accept);
  switch (decision.kind) {
    case 'forbidden':
      return plain(html, 403, 'forbidden', decision.reason, 'The request cannot be authorised.');
    case 'unavailable':
      return plain(
        html,
        503,
        'unavailable',
        decision.reason,
        'The authorizer cannot decide right now; retry later.',
      );
    case 'payment_required':
      try {
        return html ? await browser402(decision, deps) : await api402(decision, req, deps);
      } catch (err) {
        deps.log?.warn(
          {
            err: {
              name: (err as Error).name,
              code: (err as { code?: unknown }).code,
              message: (err as Error).message,
            },
          },
          'portal call failed; cannot render the 402',
        );
        return plain(
          html,
          503,
          'unavailable',
          AUTHZ_REASONS.PORTAL_UNAVAILABLE,
          'Payment is temporarily unavailable; retry later.',
        );
      }
    default: {
      const never: never = decision;
      throw new Error(`unexpected decision ${String(never)}`);
    }
  }
}

function plain(
  html: boolean,
  status: number,
  error: string,
  reason: string,
  message: string,
): RenderedResponse {
  const headers: Record<string, string> = {
    'content-type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-402-reason': reason,
  };
  if (status === 503) headers['retry-after'] = RETRY_AFTER_SECONDS;
  const body = html ? refusalPage({ status, message, reason }) : JSON.stringify({ error, reason, message });
  return { status, headers, body };
}

function baseHeaders(d: PaymentRequiredDecision, contentType: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': contentType,
    'cache-control': 'no-store',
    'www-authenticate': `Payment realm="${d.requirement.host.replace(/["\\]/g, '')}"`,
    'access-control-expose-headers': EXPOSE_HEADERS,
    'x-402-reason': d.reason,
  };
  if (d.retryAfterSeconds !== undefined) headers['retry-after'] = String(d.retryAfterSeconds);
  return headers;
}

function requestBody(r: ResolvedRequirement): ReferenceRequest {
  return {
    host: r.host,
    scheme: r.scheme,
    resource: r.request.claims.resource ?? r.path,
    originalUri: r.originalUri,
    request: toWire(r.request),
  };
}

/**
 * The pay page's URL as a same-host path under the portal prefix. The portal's answer is trusted
 * only for its path and query, so a 402 can never redirect to another site.
 */
export function samePortalPath(payUrl: string, prefix: string, reference: string): string {
  let candidate: string | undefined;
  try {
    const u = new URL(payUrl, 'http://placeholder.invalid');
    candidate = u.pathname + u.search;
  } catch {
    candidate = undefined;
  }
  if (candidate !== undefined && candidate.startsWith(`${prefix}/`)) return candidate;
  return `${prefix}/pay?ref=${encodeURIComponent(reference)}`;
}

async function browser402(d: PaymentRequiredDecision, deps: RenderDeps): Promise<RenderedResponse> {
  const r = d.requirement;
  const ref = await deps.references.get(
    { host: r.host, originalUri: r.originalUri, request: r.request },
    () => requestBody(r),
  );
  const location = samePortalPath(ref.payUrl, deps.publicPathPrefix, ref.reference);
  const headers = baseHeaders(d, 'text/html; charset=utf-8');
  headers.location = location;
  return {
    status: 402,
    headers,
    body: paymentPage({ payUrl: location, description: r.request.description, host: r.host }),
  };
}

async function api402(
  d: PaymentRequiredDecision,
  req: NeutralRequest,
  deps: RenderDeps,
): Promise<RenderedResponse> {
  const r = d.requirement;
  const challenge = await deps.portal.createChallenge({
    ...requestBody(r),
    client: { ip: req.clientIp ?? 'unknown' },
  });
  const resourceUrl = `${r.scheme}://${r.host}${r.originalUri}`;
  const description = r.request.description ?? `Access to ${r.originalUri}`;
  const terms = x402Terms(challenge.offers, {
    registry: deps.registry,
    resourceUrl,
    description,
    mimeType: 'application/json',
    maxTimeoutSeconds: deps.x402MaxTimeoutSeconds,
  });
  const first = challenge.offers[0];
  const firstOffer = r.request.offers[0];
  const payTo: Record<string, string> = {};
  for (const o of challenge.offers) payTo[o.network] ??= o.payTo;
  const payUrl = samePortalPath(challenge.payUrl, deps.publicPathPrefix, challenge.id);
  const body = {
    error: 'payment_required',
    message: `Payment required: ${description}`,
    reason: d.reason,
    paymentDetails: {
      cost: first?.amount ?? firstOffer?.amount ?? '',
      token: first?.asset.symbol ?? firstOffer?.asset.symbol ?? '',
      acceptedChains: [...new Set(challenge.offers.map((o) => o.network))],
      serviceWallet: first?.payTo ?? '',
      payTo,
      description,
      challengeId: challenge.id,
      expiresAt: challenge.expiresAt,
      offers: challenge.offers,
      payUrl,
    },
    instructions: {
      retryWith: ['x-payment-chain', 'x-payment-tx', 'x-payment-challenge'],
      steps: [
        'Send the amount of one offer to its payTo address on its network.',
        'Retry the same request with headers x-payment-chain: <network>, x-payment-tx: <transaction hash> and x-payment-challenge: <paymentDetails.challengeId>.',
        'Reuse the token returned in x-402-token (Authorization: Bearer <token>) until it expires.',
      ],
      x402: 'Or sign one of `accepts` and retry with PAYMENT-SIGNATURE (x402 v2) or X-PAYMENT (v1).',
    },
    x402Version: 1,
    accepts: terms.v1,
  };
  const headers = baseHeaders(d, 'application/json; charset=utf-8');
  headers['payment-required'] = encodeX402Header({
    x402Version: 2,
    error: 'payment_required',
    resource: { url: resourceUrl, description, mimeType: 'application/json' },
    accepts: terms.v2,
  });
  return {
    status: 402,
    headers,
    body: JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  };
}
