import {
  checksumEvmAddress,
  encodeX402Header,
  newChallengeId,
  toWire,
  type ChallengeOffer,
  type PaymentRequest,
  type PayeeResponse,
  type PriceOffer,
} from '@turnpike/protocol';
import type { ChallengeAddress } from '../challenges/address-source.js';
import {
  challengeOffers,
  planChallenge,
  sealNewChallenge,
  type ChallengePlan,
} from '../challenges/mint-challenge.js';
import type { NeutralRequest, PaymentRequiredDecision, RenderedResponse } from '../core/types.js';
import { PortalError } from '../portal/client.js';
import { AUTHZ_REASONS } from '../reasons.js';
import { api402Body } from './api-402-body.js';
import { compileJsonTemplate, jsonStringContent, type JsonTemplate } from './json-template.js';
import { payLinkFor } from './pay-link-for.js';
import { paymentHeaders } from './payment-headers.js';
import { bazaarExtension, bazaarMethodClass, type BazaarMethodClass } from './bazaar.js';
import { plain } from './plain.js';
import { resourceMimeType } from './resource-mime-type.js';
import { x402ErrorText } from './x402-error-text.js';
import { x402FailureHeaders } from './x402-failure-receipt.js';
import type { RenderDeps } from './render-denial.js';

/** The strings that differ between two API 402s of one resource. */
const HOLES = [
  'reason',
  'errorText',
  'mimeType',
  'description',
  'resourceUrl',
  'payUrl',
  'secret',
  'challengeId',
  'expiresAt',
  'evmPayTo',
  'reference',
] as const;
type Hole = (typeof HOLES)[number];

/** A resource's API 402, ready but for its holes: built once per payment request and payee. */
interface Prepared {
  payee: PayeeResponse;
  plan: ChallengePlan | undefined;
  x402Offers: ChallengeOffer[];
  body: JsonTemplate<Hole>;
  paymentRequired: JsonTemplate<Hole> | undefined;
}

/** Prepared 402s per payment request, per RenderDeps (one per running authorizer). */
const preparedByDeps = new WeakMap<
  RenderDeps,
  WeakMap<PaymentRequest, Partial<Record<BazaarMethodClass, Prepared>>>
>();

/**
 * The 402 a program sees: JSON with the ZelfProof `paymentDetails` (a challenge and its offers),
 * x402 v1 `accepts` in the body and v2 `PAYMENT-REQUIRED`. The challenge is sealed here from
 * memory (nothing written), synchronously while the leased address buffer holds one; a resource
 * that accepts unbound proofs has its challenge recorded by the portal instead (rate-limited: a
 * 429 passes through as PortalError). Throws (or rejects with) PortalError when the portal's payee
 * is not known yet.
 */
export function api402(
  d: PaymentRequiredDecision,
  req: NeutralRequest,
  deps: RenderDeps,
): RenderedResponse | Promise<RenderedResponse> {
  const r = d.requirement;
  const payee = deps.payee.current();
  if (payee === undefined)
    throw new PortalError('portal_unreachable', 'the portal has not described its payee yet');
  if (r.request.unboundTxProofs === true) return recordedApi402(d, req, deps, payee);
  const prepared = prepare(r.request, payee, deps, req.method);
  if (prepared.plan === undefined && prepared.x402Offers.length === 0) return unpayable();
  if (prepared.plan?.evm !== true) return sealedApi402(d, req, deps, prepared, undefined);
  const address = deps.addresses.take();
  if (address !== undefined) return sealedApi402(d, req, deps, prepared, address);
  // The buffer ran dry (a burst longer than it): wait for the lease on its way.
  return deps.addresses.next().then((a) => sealedApi402(d, req, deps, prepared, a));
}

function prepare(request: PaymentRequest, payee: PayeeResponse, deps: RenderDeps, method: string): Prepared {
  const methodClass = bazaarMethodClass(method);
  let memory = preparedByDeps.get(deps);
  if (memory === undefined) {
    memory = new WeakMap();
    preparedByDeps.set(deps, memory);
  }
  const known = memory.get(request)?.[methodClass];
  if (known !== undefined && known.payee === payee) return known;
  const plan = planChallenge(request, payee, deps.registry);
  const x402Offers = x402OffersOf(request, payee, deps);
  const content = (m: Readonly<Record<Hole, string>>) =>
    api402Body({
      reason: m.reason,
      errorText: m.errorText,
      mimeType: m.mimeType,
      description: m.description,
      resourceUrl: m.resourceUrl,
      payUrl: m.payUrl,
      secret: m.secret,
      ...(plan === undefined
        ? {}
        : {
            challenge: {
              id: m.challengeId,
              expiresAt: m.expiresAt,
              offers: challengeOffers(plan, deps.registry, {
                evm: m.evmPayTo,
                solanaWallet: payee.solana?.wallet,
                reference: m.reference,
              }),
            },
          }),
      x402Offers,
      firstOffer: request.offers[0],
      registry: deps.registry,
      maxTimeoutSeconds: deps.x402MaxTimeoutSeconds,
      bazaar: bazaarExtension(request, method, request.mimeType),
    });
  const prepared: Prepared = {
    payee,
    plan,
    x402Offers,
    body: compileJsonTemplate(HOLES, (m) => content(m).body),
    paymentRequired:
      x402Offers.length === 0 ? undefined : compileJsonTemplate(HOLES, (m) => content(m).paymentRequired),
  };
  memory.set(request, { ...memory.get(request), [methodClass]: prepared });
  return prepared;
}

function sealedApi402(
  d: PaymentRequiredDecision,
  req: NeutralRequest,
  deps: RenderDeps,
  prepared: Prepared,
  address: ChallengeAddress | undefined,
): RenderedResponse {
  const r = d.requirement;
  const sealed =
    prepared.plan === undefined
      ? undefined
      : sealNewChallenge(
          r,
          prepared.plan,
          {
            key: deps.sealKeys.challenge,
            payee: prepared.payee,
            ...(deps.now === undefined ? {} : { now: deps.now }),
          },
          address,
        );
  const values: Record<Hole, string> = {
    reason: d.reason,
    errorText: jsonStringContent(x402ErrorText(d.reason)),
    mimeType: jsonStringContent(resourceMimeType(r.request, req.headers['accept'])),
    description: jsonStringContent(r.request.description ?? `Access to ${r.originalUri}`),
    resourceUrl: jsonStringContent(`${r.scheme}://${r.host}${r.originalUri}`),
    // `<prefix>/pay?ref=<base64url>.<base64url>`, the prefix held to [A-Za-z0-9._~-] by the config.
    payUrl: payLinkFor(r, deps),
    secret: newChallengeId(),
    challengeId: sealed?.id ?? '',
    expiresAt: sealed?.expiresAt.toISOString() ?? '',
    evmPayTo: sealed?.evmPayTo ?? '',
    reference: sealed?.reference ?? '',
  };
  const headers = paymentHeaders(d, 'application/json; charset=utf-8');
  Object.assign(headers, x402FailureHeaders(d.reason, req.headers));
  if (prepared.paymentRequired !== undefined)
    headers['payment-required'] = Buffer.from(prepared.paymentRequired.fill(values), 'utf8').toString(
      'base64',
    );
  return { status: 402, headers, body: prepared.body.fill(values) };
}

/** A recorded challenge: the portal writes an invoice so that a bare hash can be matched to it. */
async function recordedApi402(
  d: PaymentRequiredDecision,
  req: NeutralRequest,
  deps: RenderDeps,
  payee: PayeeResponse,
): Promise<RenderedResponse> {
  const r = d.requirement;
  const challenge = await deps.portal.createChallenge({
    host: r.host,
    scheme: r.scheme,
    resource: r.request.claims.resource ?? r.path,
    originalUri: r.originalUri,
    request: toWire(r.request),
    client: { ip: req.clientIp ?? 'unknown' },
  });
  const { body, paymentRequired } = api402Body({
    reason: d.reason,
    errorText: x402ErrorText(d.reason),
    mimeType: resourceMimeType(r.request, req.headers['accept']),
    description: r.request.description ?? `Access to ${r.originalUri}`,
    resourceUrl: `${r.scheme}://${r.host}${r.originalUri}`,
    payUrl: payLinkFor(r, deps),
    secret: newChallengeId(),
    challenge: { id: challenge.id, expiresAt: challenge.expiresAt, offers: challenge.offers },
    x402Offers: x402OffersOf(r.request, payee, deps),
    firstOffer: r.request.offers[0],
    registry: deps.registry,
    maxTimeoutSeconds: deps.x402MaxTimeoutSeconds,
    bazaar: bazaarExtension(r.request, req.method, r.request.mimeType),
  });
  const headers = paymentHeaders(d, 'application/json; charset=utf-8');
  Object.assign(headers, x402FailureHeaders(d.reason, req.headers));
  if (paymentRequired !== undefined) headers['payment-required'] = encodeX402Header(paymentRequired);
  return { status: 402, headers, body: JSON.stringify(body) };
}

function unpayable(): RenderedResponse {
  return plain(
    false,
    503,
    'unavailable',
    AUTHZ_REASONS.OFFER_UNSUPPORTED,
    'No offer of this resource can be paid here.',
  );
}

/** The ERC-20 offers payable by x402 `exact`, each paying the portal's x402 address. */
function x402OffersOf(request: PaymentRequest, payee: PayeeResponse, deps: RenderDeps): ChallengeOffer[] {
  const x402 = payee.x402;
  if (x402 === undefined) return [];
  const payTo = checksumEvmAddress(x402.payTo) ?? x402.payTo;
  return request.offers
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
      payTo,
    }));
}
