import {
  checksumEvmAddress,
  encodeX402Header,
  newChallengeId,
  toWire,
  type ChallengeOffer,
  type PaymentRequest,
  type PayeeResponse,
  type PriceOffer,
  x402SvmMemo,
  siwxNonceKey,
} from '@turnpike/protocol';
import type { ChallengeAddress } from '../challenges/address-source.js';
import {
  challengeOffers,
  planChallenge,
  sealNewChallenge,
  type ChallengePlan,
} from '../challenges/mint-challenge.js';
import type {
  NeutralRequest,
  PaymentRequiredDecision,
  RenderedResponse,
  ResolvedRequirement,
} from '../core/types.js';
import { PortalError } from '../portal/client.js';
import { AUTHZ_REASONS } from '../reasons.js';
import { acceptPaymentWeigher } from './accept-payment.js';
import { api402Body } from './api-402-body.js';
import { newSiwxChallenge, siwxAuthority, siwxChains, type SiwxChallenge } from './siwx-extension.js';
import { compileJsonTemplate, jsonStringContent, type JsonTemplate } from './json-template.js';
import { payLinkFor } from './pay-link-for.js';
import { mppWwwAuthenticate, planMppChallenges, rfc3339, type MppPlan } from './mpp-challenges.js';
import { mppRefusal } from './mpp-problem.js';
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
  'svmMemo',
  'siwxDomain',
  'siwxUri',
  'siwxNonce',
  'siwxIssuedAt',
  'siwxExpiresAt',
] as const;
type Hole = (typeof HOLES)[number];

/** A resource's API 402, ready but for its holes: built once per payment request and payee. */
interface Prepared {
  payee: PayeeResponse;
  plan: ChallengePlan | undefined;
  x402Offers: ChallengeOffer[];
  /** The `WWW-Authenticate: Payment` challenges (MPP), filled per 402. */
  mpp: MppPlan;
  body: JsonTemplate<Hole>;
  paymentRequired: JsonTemplate<Hole> | undefined;
  /** The texts of the last target rendered (the next 402 is for the same, mostly). */
  texts?: TargetTexts;
}

/** The holes that follow from the request's target, its Accept and the reason, JSON-escaped. */
interface TargetTexts {
  host: string;
  scheme: string;
  originalUri: string;
  accept: string | undefined;
  reason: string;
  errorText: string;
  mimeType: string;
  description: string;
  resourceUrl: string;
}

function targetTexts(
  prepared: Prepared,
  d: PaymentRequiredDecision,
  accept: string | undefined,
): TargetTexts {
  const r = d.requirement;
  const known = prepared.texts;
  if (
    known !== undefined &&
    known.originalUri === r.originalUri &&
    known.host === r.host &&
    known.scheme === r.scheme &&
    known.accept === accept &&
    known.reason === d.reason
  )
    return known;
  const texts: TargetTexts = {
    host: r.host,
    scheme: r.scheme,
    originalUri: r.originalUri,
    accept,
    reason: d.reason,
    errorText: jsonStringContent(x402ErrorText(d.reason)),
    mimeType: jsonStringContent(resourceMimeType(r.request, accept)),
    description: jsonStringContent(r.request.description ?? `Access to ${r.originalUri}`),
    resourceUrl: jsonStringContent(`${r.scheme}://${r.host}${r.originalUri}`),
  };
  prepared.texts = texts;
  return texts;
}

/** A challenge expiry as the body (ISO 8601) and the MPP challenges (RFC 3339) write it. */
let lastExpiry = { ms: Number.NaN, iso: '', rfc3339: '' };

function expiryTexts(expiresAt: Date): { iso: string; rfc3339: string } {
  const ms = expiresAt.getTime();
  if (lastExpiry.ms !== ms) lastExpiry = { ms, iso: expiresAt.toISOString(), rfc3339: rfc3339(expiresAt) };
  return lastExpiry;
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
  // Only the x402 terms carry sign-in-with-x: no HMAC for a 402 without them.
  const siwx = prepared.paymentRequired === undefined ? undefined : siwxChallengeFor(r, req, deps);
  if (prepared.plan?.evm !== true) return sealedApi402(d, req, deps, prepared, undefined, siwx);
  const address = deps.addresses.take();
  if (address !== undefined) return sealedApi402(d, req, deps, prepared, address, siwx);
  // The buffer ran dry (a burst longer than it): wait for the lease on its way.
  return deps.addresses.next().then((a) => sealedApi402(d, req, deps, prepared, a, siwx));
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
  const mpp = planMppChallenges(x402Offers, plan?.payable ?? [], deps.registry);
  const chains = siwxChains(request.offers, deps.registry);
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
      svm: svmTermsOf(payee, m.svmMemo),
      siwx: {
        challenge: {
          domain: m.siwxDomain,
          uri: m.siwxUri,
          nonce: m.siwxNonce,
          issuedAt: m.siwxIssuedAt,
          expirationTime: m.siwxExpiresAt,
        },
        chains,
      },
      bazaar: bazaarExtension(request, method, request.mimeType),
    });
  const prepared: Prepared = {
    payee,
    plan,
    x402Offers,
    mpp,
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
  siwx: SiwxChallenge | undefined,
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
  const secret = newChallengeId();
  const texts = targetTexts(prepared, d, req.headers['accept']);
  const expiresAt = sealed?.expiresAt ?? new Date(nowMs(deps) + prepared.payee.challengeTtlSeconds * 1000);
  const expiry = expiryTexts(expiresAt);
  const values: Record<Hole, string> = {
    reason: d.reason,
    errorText: texts.errorText,
    mimeType: texts.mimeType,
    description: texts.description,
    resourceUrl: texts.resourceUrl,
    // `<prefix>/pay?ref=<base64url>.<base64url>`, the prefix held to [A-Za-z0-9._~-] by the config.
    payUrl: payLinkFor(r, deps),
    secret,
    challengeId: sealed?.id ?? '',
    expiresAt: sealed === undefined ? '' : expiry.iso,
    evmPayTo: sealed?.evmPayTo ?? '',
    reference: sealed?.reference ?? '',
    svmMemo: prepared.payee.x402Svm === undefined ? '' : x402SvmMemo(secret),
    siwxDomain: siwx === undefined ? '' : jsonStringContent(siwx.domain),
    siwxUri: siwx === undefined ? '' : jsonStringContent(siwx.uri),
    siwxNonce: siwx?.nonce ?? '',
    siwxIssuedAt: siwx?.issuedAt ?? '',
    siwxExpiresAt: siwx?.expirationTime ?? '',
  };
  const headers = paymentHeaders(d, 'application/json; charset=utf-8');
  Object.assign(headers, x402FailureHeaders(d.reason, req.headers));
  if (prepared.paymentRequired !== undefined)
    headers['payment-required'] = prepared.paymentRequired.fillBase64(values);
  const challenges = mppWwwAuthenticate(prepared.mpp, {
    key: deps.sealKeys.mpp,
    realm: r.host,
    resource: r.request.claims.resource ?? r.path,
    expires: expiry.rfc3339,
    sealed: sealed?.id,
    evmPayTo: sealed?.evmPayTo,
    reference: sealed?.reference,
    solanaWallet: prepared.payee.solana?.wallet,
    weigh: acceptPaymentWeigher(req.headers['accept-payment']),
  });
  if (challenges !== undefined) headers['www-authenticate'] = challenges;
  return mppRefusal(req, d, { status: 402, headers, body: prepared.body.fill(values) });
}

function nowMs(deps: RenderDeps): number {
  return (deps.now ?? Date.now)();
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
  const secret = newChallengeId();
  const { body, paymentRequired } = api402Body({
    reason: d.reason,
    errorText: x402ErrorText(d.reason),
    mimeType: resourceMimeType(r.request, req.headers['accept']),
    description: r.request.description ?? `Access to ${r.originalUri}`,
    resourceUrl: `${r.scheme}://${r.host}${r.originalUri}`,
    payUrl: payLinkFor(r, deps),
    secret,
    challenge: { id: challenge.id, expiresAt: challenge.expiresAt, offers: challenge.offers },
    x402Offers: x402OffersOf(r.request, payee, deps),
    firstOffer: r.request.offers[0],
    registry: deps.registry,
    maxTimeoutSeconds: deps.x402MaxTimeoutSeconds,
    svm: svmTermsOf(payee, x402SvmMemo(secret)),
    siwx: { challenge: siwxChallengeFor(r, req, deps), chains: siwxChains(r.request.offers, deps.registry) },
    bazaar: bazaarExtension(r.request, req.method, r.request.mimeType),
  });
  const headers = paymentHeaders(d, 'application/json; charset=utf-8');
  Object.assign(headers, x402FailureHeaders(d.reason, req.headers));
  if (paymentRequired !== undefined) headers['payment-required'] = encodeX402Header(paymentRequired);
  // Only `authorization` challenges: a pushed transfer here is matched to the recorded invoice.
  const challenges = mppWwwAuthenticate(
    planMppChallenges(x402OffersOf(r.request, payee, deps), [], deps.registry),
    {
      key: deps.sealKeys.mpp,
      realm: r.host,
      resource: r.request.claims.resource ?? r.path,
      expires: rfc3339(new Date(challenge.expiresAt)),
      weigh: acceptPaymentWeigher(req.headers['accept-payment']),
    },
  );
  if (challenges !== undefined) headers['www-authenticate'] = challenges;
  return mppRefusal(req, d, { status: 402, headers, body: JSON.stringify(body) });
}

/** This 402's sign-in-with-x challenge, for the authority the client addressed. */
function siwxChallengeFor(r: ResolvedRequirement, req: NeutralRequest, deps: RenderDeps): SiwxChallenge {
  return newSiwxChallenge(
    siwxNonceKey(deps.sealKeys.challenge),
    siwxAuthority(r.host, req.headers['x-original-host']),
    r.scheme,
    r.originalUri,
    (deps.now ?? Date.now)(),
  );
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

/** x402 on Solana's terms of this 402: the portal's fee payer and the requester's memo. */
function svmTermsOf(payee: PayeeResponse, memo: string): { feePayer: string; memo: string } | undefined {
  return payee.x402Svm === undefined ? undefined : { feePayer: payee.x402Svm.feePayer, memo };
}

/**
 * The offers payable by x402 `exact`: ERC-20s paying the portal's x402 address, and SPL tokens on
 * the Solana networks the portal's fee payer settles on, paying the owner's wallet.
 */
function x402OffersOf(request: PaymentRequest, payee: PayeeResponse, deps: RenderDeps): ChallengeOffer[] {
  return [...x402EvmOffersOf(request, payee, deps), ...x402SvmOffersOf(request, payee, deps)];
}

function x402SvmOffersOf(request: PaymentRequest, payee: PayeeResponse, deps: RenderDeps): ChallengeOffer[] {
  const svm = payee.x402Svm;
  const wallet = payee.solana?.wallet;
  if (svm === undefined || wallet === undefined) return [];
  return request.offers
    .filter((o) => o.asset.kind === 'spl' && svm.networks.includes(o.network))
    .map((o) => ({
      network: o.network,
      caip2: deps.registry.require(o.network).caip2,
      asset: {
        symbol: o.asset.symbol,
        kind: o.asset.kind,
        decimals: o.asset.decimals,
        ...(o.asset.kind === 'spl' ? { mint: o.asset.mint } : {}),
      },
      amount: o.amount,
      atomic: o.atomic.toString(),
      payTo: wallet,
    }));
}

function x402EvmOffersOf(request: PaymentRequest, payee: PayeeResponse, deps: RenderDeps): ChallengeOffer[] {
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
        ...(o.asset.assetTransferMethod === undefined
          ? {}
          : { assetTransferMethod: o.asset.assetTransferMethod }),
      },
      amount: o.amount,
      atomic: o.atomic.toString(),
      payTo,
    }));
}
