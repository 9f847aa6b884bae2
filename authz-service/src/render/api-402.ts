import {
  checksumEvmAddress,
  encodeX402Header,
  newChallengeId,
  toWire,
  type ChallengeOffer,
  type PayeeResponse,
  type PriceOffer,
} from '@turnpike/protocol';
import { mintChallenge } from '../challenges/mint-challenge.js';
import { mintPayLink } from '../challenges/mint-pay-link.js';
import type {
  NeutralRequest,
  PaymentRequiredDecision,
  RenderedResponse,
  ResolvedRequirement,
} from '../core/types.js';
import { PortalError } from '../portal/client.js';
import { AUTHZ_REASONS } from '../reasons.js';
import { paymentHeaders } from './payment-headers.js';
import { plain } from './plain.js';
import type { RenderDeps } from './render-denial.js';
import { x402Terms } from './x402.js';

/** What an API 402 offers, from a sealed challenge or a recorded one. */
interface ApiChallenge {
  id: string;
  expiresAt: string;
  offers: ChallengeOffer[];
}

/**
 * The 402 a program sees: JSON with the ZelfProof `paymentDetails` (a challenge and its offers),
 * x402 v1 `accepts` in the body and v2 `PAYMENT-REQUIRED`. The challenge is sealed here from
 * memory (nothing written); a resource that accepts unbound proofs has its challenge recorded by
 * the portal instead (rate-limited: a 429 passes through as PortalError).
 */
export async function api402(
  d: PaymentRequiredDecision,
  req: NeutralRequest,
  deps: RenderDeps,
): Promise<RenderedResponse> {
  const r = d.requirement;
  const payee = deps.payee.current();
  if (payee === undefined)
    throw new PortalError('portal_unreachable', 'the portal has not described its payee yet');
  const challenge =
    r.request.unboundTxProofs === true ? await recorded(r, req, deps) : await sealed(r, payee, deps);
  const x402Offers = x402OffersOf(r, payee, deps);
  if (challenge === undefined && x402Offers.length === 0)
    return plain(
      false,
      503,
      'unavailable',
      AUTHZ_REASONS.OFFER_UNSUPPORTED,
      'No offer of this resource can be paid here.',
    );
  const resourceUrl = `${r.scheme}://${r.host}${r.originalUri}`;
  const description = r.request.description ?? `Access to ${r.originalUri}`;
  const terms = x402Terms(x402Offers, {
    registry: deps.registry,
    resourceUrl,
    description,
    mimeType: 'application/json',
    maxTimeoutSeconds: deps.x402MaxTimeoutSeconds,
    secret: newChallengeId(),
  });
  const offers = challenge?.offers ?? [];
  const first = offers[0];
  const firstOffer = r.request.offers[0];
  const payTo: Record<string, string> = {};
  for (const o of offers) payTo[o.network] ??= o.payTo;
  const payUrl = mintPayLink(r, {
    key: deps.sealKeys.payLink,
    prefix: deps.publicPathPrefix,
    ttlSeconds: deps.payLinkTtlSeconds,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  }).path;
  const body = {
    error: 'payment_required',
    message: `Payment required: ${description}`,
    reason: d.reason,
    paymentDetails: {
      cost: first?.amount ?? firstOffer?.amount ?? '',
      token: first?.asset.symbol ?? firstOffer?.asset.symbol ?? '',
      acceptedChains: [...new Set(offers.map((o) => o.network))],
      serviceWallet: first?.payTo ?? '',
      payTo,
      description,
      ...(challenge === undefined ? {} : { challengeId: challenge.id, expiresAt: challenge.expiresAt }),
      offers,
      payUrl,
    },
    instructions: {
      retryWith: ['x-payment-chain', 'x-payment-tx', 'x-payment-challenge'],
      steps: [
        'Send the amount of one offer to its payTo address on its network (a Solana offer: with its reference key as a read-only account).',
        'Retry the same request with headers x-payment-chain: <network>, x-payment-tx: <transaction hash or signature> and x-payment-challenge: <paymentDetails.challengeId>.',
        'Reuse the token returned in x-402-token (Authorization: Bearer <token>) until it expires.',
      ],
      x402: 'Or sign one of `accepts` and retry with PAYMENT-SIGNATURE (x402 v2) or X-PAYMENT (v1).',
    },
    x402Version: 1,
    accepts: terms.v1,
  };
  const headers = paymentHeaders(d, 'application/json; charset=utf-8');
  if (terms.v2.length > 0)
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

async function sealed(
  r: ResolvedRequirement,
  payee: PayeeResponse,
  deps: RenderDeps,
): Promise<ApiChallenge | undefined> {
  const minted = await mintChallenge(r, {
    key: deps.sealKeys.challenge,
    registry: deps.registry,
    payee,
    addresses: deps.addresses,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  return minted === undefined
    ? undefined
    : { id: minted.id, expiresAt: minted.expiresAt.toISOString(), offers: minted.offers };
}

/** A recorded challenge: the portal writes an invoice so that a bare hash can be matched to it. */
async function recorded(
  r: ResolvedRequirement,
  req: NeutralRequest,
  deps: RenderDeps,
): Promise<ApiChallenge> {
  const challenge = await deps.portal.createChallenge({
    host: r.host,
    scheme: r.scheme,
    resource: r.request.claims.resource ?? r.path,
    originalUri: r.originalUri,
    request: toWire(r.request),
    client: { ip: req.clientIp ?? 'unknown' },
  });
  return { id: challenge.id, expiresAt: challenge.expiresAt, offers: challenge.offers };
}

/** The ERC-20 offers payable by x402 `exact`, each paying the portal's x402 address. */
function x402OffersOf(r: ResolvedRequirement, payee: PayeeResponse, deps: RenderDeps): ChallengeOffer[] {
  const x402 = payee.x402;
  if (x402 === undefined) return [];
  return r.request.offers
    .filter(
      (o): o is PriceOffer & { asset: { kind: 'erc20' } } =>
        o.asset.kind === 'erc20' && x402.networks.includes(o.network),
    )
    .map((o) => ({
      network: o.network,
      caip2: deps.registry.require(o.network).caip2,
      asset: {
        symbol: o.asset.symbol,
        kind: o.asset.kind,
        decimals: o.asset.decimals,
        address: o.asset.address,
        eip712: o.asset.eip712,
      },
      amount: o.amount,
      atomic: o.atomic.toString(),
      payTo: checksumEvmAddress(x402.payTo) ?? x402.payTo,
    }));
}
