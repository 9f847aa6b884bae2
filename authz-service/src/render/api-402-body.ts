import {
  X402_EXTENSIONS,
  type ChallengeOffer,
  type NetworkRegistry,
  type PriceOffer,
} from '@turnpike/protocol';
import { PAYMENT_IDENTIFIER_EXTENSION } from './payment-identifier-extension.js';
import { siwxExtension, type SiwxChain, type SiwxChallenge } from './siwx-extension.js';
import { X402_V1_UNAVAILABLE } from './x402-error-text.js';
import { x402Terms } from './x402.js';

/** What an API 402 says, as strings and offers. */
export interface Api402Content {
  reason: string;
  /** x402's human-readable `error` for this reason (x402-error-text.ts). */
  errorText: string;
  /** x402 `resource.mimeType`: what the resource is (resource-mime-type.ts). */
  mimeType: string;
  description: string;
  /** `${scheme}://${host}${uri}`, the x402 resource. */
  resourceUrl: string;
  payUrl: string;
  /** The x402 requester's secret (`extra.challenge` of every requirement). */
  secret: string;
  /** The challenge for transaction proofs, when any offer is payable by transaction. */
  challenge?: { id: string; expiresAt: string; offers: readonly ChallengeOffer[] };
  /** The offers payable by x402, each paying the portal's x402 address. */
  x402Offers: readonly ChallengeOffer[];
  /** The resource's first offer: `cost` and `token` when no challenge lists one. */
  firstOffer: PriceOffer | undefined;
  registry: NetworkRegistry;
  maxTimeoutSeconds: number;
  /** x402 on Solana: the portal's fee payer and this requester's memo (see X402Context.svm). */
  svm?: { feePayer: string; memo: string } | undefined;
  /** The sign-in-with-x challenge and the chains a payer may sign in on (none: not advertised). */
  siwx: { challenge: SiwxChallenge; chains: readonly SiwxChain[] };
  /** x402 `bazaar` discovery (bazaar.ts), when the declaration describes the resource. */
  bazaar?: unknown;
}

/**
 * The JSON body of an API 402 — the ZelfProof `paymentDetails` (the challenge and its offers), the
 * instructions, x402 v1 `accepts` — and the v2 `PAYMENT-REQUIRED` object (undefined when nothing
 * is payable by x402).
 */
export function api402Body(c: Api402Content): { body: unknown; paymentRequired: unknown } {
  const terms = x402Terms(c.x402Offers, {
    registry: c.registry,
    resourceUrl: c.resourceUrl,
    description: c.description,
    mimeType: c.mimeType,
    maxTimeoutSeconds: c.maxTimeoutSeconds,
    secret: c.secret,
    svm: c.svm,
  });
  const offers = c.challenge?.offers ?? [];
  const first = offers[0];
  const payTo: Record<string, string> = {};
  for (const o of offers) payTo[o.network] ??= o.payTo;
  // x402 v1 clients cannot take an empty `accepts`: without a v1 offer the v1 part is left out.
  const v1 = terms.v1.length === 0 ? {} : { x402Version: 1, accepts: terms.v1 };
  const body = {
    error:
      terms.v1.length === 0 && terms.v2.length > 0 ? `${c.errorText}. ${X402_V1_UNAVAILABLE}` : c.errorText,
    message: `Payment required: ${c.description}`,
    reason: c.reason,
    paymentDetails: {
      cost: first?.amount ?? c.firstOffer?.amount ?? '',
      token: first?.asset.symbol ?? c.firstOffer?.asset.symbol ?? '',
      acceptedChains: [...new Set(offers.map((o) => o.network))],
      serviceWallet: first?.payTo ?? '',
      payTo,
      description: c.description,
      ...(c.challenge === undefined ? {} : { challengeId: c.challenge.id, expiresAt: c.challenge.expiresAt }),
      offers,
      payUrl: c.payUrl,
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
    ...v1,
  };
  const paymentRequired =
    terms.v2.length === 0
      ? undefined
      : {
          x402Version: 2,
          error: c.errorText,
          resource: { url: c.resourceUrl, description: c.description, mimeType: c.mimeType },
          accepts: terms.v2,
          // x402 v2 extensions, one line each (undefined ones are left out of the JSON).
          extensions: {
            bazaar: c.bazaar,
            ...(c.siwx.chains.length === 0
              ? {}
              : { [X402_EXTENSIONS.signInWithX]: siwxExtension(c.siwx.challenge, c.siwx.chains) }),
            [X402_EXTENSIONS.paymentIdentifier]: PAYMENT_IDENTIFIER_EXTENSION,
          },
        };
  return { body, paymentRequired };
}
