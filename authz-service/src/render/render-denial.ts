import type { NetworkRegistry, SealKeys } from '@turnpike/protocol';
import type { Logger } from '@turnpike/protocol/service';
import type { AddressSource } from '../challenges/address-source.js';
import type { PayeeCache } from '../challenges/payee-cache.js';
import type { DenyDecision, NeutralRequest, RenderedResponse } from '../core/types.js';
import { PortalError, type PortalClient } from '../portal/client.js';
import { AUTHZ_REASONS } from '../reasons.js';
import { api402 } from './api-402.js';
import { browser402 } from './browser-402.js';
import { prefersHtml } from './negotiate.js';
import { plain } from './plain.js';

export interface RenderDeps {
  portal: Pick<PortalClient, 'createChallenge'>;
  registry: NetworkRegistry;
  /** Seal the API challenges and the pay links (shared with the portal). */
  sealKeys: SealKeys;
  payee: Pick<PayeeCache, 'current'>;
  addresses: AddressSource;
  /** Where the portal is mounted on every protected host, e.g. `/_402`. */
  publicPathPrefix: string;
  payLinkTtlSeconds: number;
  x402MaxTimeoutSeconds: number;
  log?: Logger;
  now?: () => number;
  /** The deps of a site's 402 (its payee and address buffer, docs/sites.md); absent = these. */
  forSite?: (site: string | undefined) => RenderDeps;
}

export { EXPOSE_HEADERS } from './payment-headers.js';

/**
 * Renders a denial as a full HTTP response, independent of the gateway: the 402 (an HTML page for
 * browsers, JSON + x402 terms for programs), 403 for forbidden, 409 for a conflict, 429 for a limit, 503 for
 * unavailable. A 402 writes nothing: the browser's pay link and the API challenge are sealed here,
 * synchronously unless an API 402 has to wait for a leased address or is recorded by the portal
 * (a resource that accepts unbound proofs). That portal call failing is a 503
 * `portal_unavailable`, or a 429 when the portal's limit says so (never an allow).
 */
export function renderDenial(
  decision: DenyDecision,
  req: NeutralRequest,
  deps: RenderDeps,
): RenderedResponse | Promise<RenderedResponse> {
  const html = prefersHtml(req.headers.accept);
  switch (decision.kind) {
    case 'forbidden':
      return plain(html, 403, 'forbidden', decision.reason, 'The request cannot be authorised.');
    case 'conflict':
      return plain(
        html,
        409,
        'conflict',
        decision.reason,
        'This payment identifier was already used with another request or payment.',
      );
    case 'rate_limited':
      return plain(
        html,
        429,
        'rate_limited',
        decision.reason,
        'Too many requests; retry later.',
        decision.retryAfterSeconds,
      );
    case 'unavailable':
      return plain(
        html,
        503,
        'unavailable',
        decision.reason,
        'The authorizer cannot decide right now; retry later.',
        decision.retryAfterSeconds,
      );
    case 'bad_request':
      return plain(
        html,
        400,
        'bad_request',
        decision.reason,
        'The payment header (PAYMENT-SIGNATURE or X-PAYMENT) is malformed: it must be base64 of an x402 payment payload. Nothing was charged.',
      );
    case 'payment_required': {
      deps = deps.forSite?.(decision.requirement.site) ?? deps;
      if (html) return browser402(decision, deps);
      let rendered;
      try {
        rendered = api402(decision, req, deps);
      } catch (err) {
        return portalFailure(err, deps);
      }
      return rendered instanceof Promise
        ? rendered.catch((err: unknown) => portalFailure(err, deps))
        : rendered;
    }
    default: {
      const never: never = decision;
      throw new Error(`unexpected decision ${String(never)}`);
    }
  }
}

/** The answer when the portal's part of an API 402 failed: 429 when it said so, else 503. */
function portalFailure(err: unknown, deps: RenderDeps): RenderedResponse {
  if (err instanceof PortalError && err.status === 429)
    return plain(
      false,
      429,
      'rate_limited',
      AUTHZ_REASONS.RATE_LIMITED,
      'Too many payment requests; retry later.',
      err.retryAfterSeconds,
    );
  deps.log?.warn(
    {
      err: {
        name: (err as Error).name,
        code: (err as { code?: unknown }).code,
        message: (err as Error).message,
      },
    },
    'cannot render the 402',
  );
  return plain(
    false,
    503,
    'unavailable',
    AUTHZ_REASONS.PORTAL_UNAVAILABLE,
    'Payment is temporarily unavailable; retry later.',
  );
}
